package whipclient

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// frames is a source of n samples of size bytes each.
type frames struct {
	n, size int
	d       time.Duration
	i       int
}

func (f *frames) next() (media.Sample, error) {
	if f.i == f.n {
		return media.Sample{}, io.EOF
	}
	f.i++
	return media.Sample{Data: make([]byte, f.size), Duration: f.d}, nil
}
func (f *frames) rewind() error { f.i = 0; return nil }
func (f *frames) close() error  { return nil }

type sent struct {
	at  time.Time
	pkt *rtp.Packet
}

type recorder struct{ got []sent }

func (r *recorder) WriteRTP(p *rtp.Packet) error {
	r.got = append(r.got, sent{time.Now(), p})
	return nil
}

// A frame's packets are spread over 40% of its duration, never sooner
// (lateness under load is allowed: only lower bounds are checked); they
// share the frame's timestamp, which advances by the frame's duration.
func TestPacePacketsOfAFrame(t *testing.T) {
	const frameDur = 50 * time.Millisecond
	c := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	pz, err := newPacketizer(c)
	if err != nil {
		t.Fatal(err)
	}
	out := &recorder{}
	tr := &track{src: &frames{n: 3, size: 10 * 1100, d: frameDur}, rtp: pz, out: out}
	start := time.Now()
	if err := tr.pace(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if len(out.got) < 30 {
		t.Fatalf("%d packets for 3 frames of 11 kB, want ≥ 30", len(out.got))
	}
	byTS := map[uint32][]sent{}
	var order []uint32
	for i, s := range out.got {
		if i > 0 && s.pkt.SequenceNumber != out.got[i-1].pkt.SequenceNumber+1 {
			t.Fatalf("packet %d: sequence %d after %d", i, s.pkt.SequenceNumber, out.got[i-1].pkt.SequenceNumber)
		}
		if _, ok := byTS[s.pkt.Timestamp]; !ok {
			order = append(order, s.pkt.Timestamp)
		}
		byTS[s.pkt.Timestamp] = append(byTS[s.pkt.Timestamp], s)
	}
	if len(order) != 3 {
		t.Fatalf("%d timestamps, want 3 frames", len(order))
	}
	for f, ts := range order {
		if f > 0 && ts-order[f-1] != 90000*uint32(frameDur/time.Millisecond)/1000 {
			t.Errorf("frame %d: timestamp step %d, want %d", f, ts-order[f-1], 90000*50/1000)
		}
		pkts := byTS[ts]
		frameStart := start.Add(time.Duration(f) * frameDur)
		for i, s := range pkts {
			if earliest := frameStart.Add(packetOffset(frameDur, i, len(pkts))); s.at.Before(earliest) {
				t.Errorf("frame %d packet %d sent %v before its slot", f, i, earliest.Sub(s.at))
			}
			if s.pkt.Marker != (i == len(pkts)-1) {
				t.Errorf("frame %d packet %d: marker %v", f, i, s.pkt.Marker)
			}
		}
	}
}

// The schedule itself, exactly: a sample's packets start with the sample,
// are evenly spaced, and the last leaves before 40% of its duration, as a
// pacer at 2.5 × the bitrate sends an average frame.
func TestPacketOffsets(t *testing.T) {
	const d = 100 * time.Millisecond
	for _, n := range []int{1, 2, 7, 30} {
		var prev time.Duration
		for i := range n {
			off := packetOffset(d, i, n)
			if i == 0 && off != 0 {
				t.Errorf("n=%d: the first packet waits %v", n, off)
			}
			if gap := off - prev; i > 0 && (gap < 40*time.Millisecond/time.Duration(n)-time.Microsecond || gap > 40*time.Millisecond/time.Duration(n)+time.Microsecond) {
				t.Errorf("n=%d: packet %d is %v after the one before, want %v", n, i, gap, 40*time.Millisecond/time.Duration(n))
			}
			if off >= 40*time.Millisecond {
				t.Errorf("n=%d: packet %d at %v, not before 40%% of the sample", n, i, off)
			}
			prev = off
		}
	}
	if off := packetOffset(d, 0, 0); off != 0 {
		t.Errorf("an empty sample: %v", off)
	}
}
