package recording

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

func TestReorderUnit(t *testing.T) {
	pkt := func(sn uint16) *rtp.Packet { return &rtp.Packet{Header: rtp.Header{SequenceNumber: sn}} }
	seqs := func(ps []*rtp.Packet) []uint16 {
		var out []uint16
		for _, p := range ps {
			out = append(out, p.SequenceNumber)
		}
		return out
	}
	r := newReorder()
	var out []*rtp.Packet
	for _, sn := range []uint16{65534, 0, 65535, 65535, 1, 65533, 3} {
		out = r.push(pkt(sn), out)
	}
	if got, want := seqs(out), []uint16{65534, 65535, 0, 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("released %v, want %v (across the wrap)", got, want)
	}
	if r.late != 2 {
		t.Errorf("late = %d, want 2 (a duplicate and one before the start)", r.late)
	}
	out = r.flush(nil)
	if got := seqs(out); !reflect.DeepEqual(got, []uint16{3}) || r.lost != 1 {
		t.Errorf("flush released %v with %d lost, want [3] and 1 lost", got, r.lost)
	}

	// A gap held past the depth is given up.
	r = newReorder()
	out = r.push(pkt(10), nil)
	for sn := uint16(12); sn < 12+reorderDepth+1; sn++ {
		out = r.push(pkt(sn), out)
	}
	if len(out) != reorderDepth+2 || r.lost != 1 {
		t.Errorf("released %d, lost %d; want %d released and 1 lost", len(out), r.lost, reorderDepth+2)
	}
}

// Packets that arrive out of order (a retransmission one frame late, swapped
// neighbours, a duplicate) are recorded as if they had arrived in order.
func TestRecorderReordersPackets(t *testing.T) {
	_, src := ivfFrames(t, fixture("clip-vp8.ivf"))
	pk := packetizer(vp8Payloader(), 90000)
	var pkts []*rtp.Packet
	for _, f := range src {
		pkts = append(pkts, pk.Packetize(f, frameTicks)...)
	}
	shuffled := append([]*rtp.Packet(nil), pkts...)
	shuffled[10], shuffled[11] = shuffled[11], shuffled[10]
	late := shuffled[20]
	shuffled = append(shuffled[:20], shuffled[21:]...)
	shuffled = append(shuffled[:25], append([]*rtp.Packet{late}, shuffled[25:]...)...)
	shuffled = append(shuffled, pkts[len(pkts)-1]) // a duplicate at the end

	r, _ := newTestRecorder(t)
	tw, err := r.AddTrack(KindVideo, webrtc.MimeTypeVP8, 90000, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range shuffled {
		if err := tw.WriteRTP(p); err != nil {
			t.Fatal(err)
		}
	}
	closeRecorder(t, r)
	_, got := ivfFrames(t, filepath.Join(r.Dir(), videoIVFFile))
	if !reflect.DeepEqual(got, src) {
		t.Fatalf("recorded %d frames, want the %d sent, byte for byte", len(got), len(src))
	}
	rec, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if v := rec.Manifest().Video; v.Late != 1 || v.Lost != 0 {
		t.Errorf("late %d lost %d, want 1 late (the duplicate) and none lost", v.Late, v.Lost)
	}
}
