package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// captured is an RTP write the retransmitter made.
type captured struct {
	h       rtp.Header
	payload []byte
}

type captureWriter struct {
	got  []captured // every write attempted
	fail bool       // writes fail
}

func (w *captureWriter) Write(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	w.got = append(w.got, captured{h: *h, payload: bytes.Clone(payload)})
	if w.fail {
		return 0, errors.New("closed")
	}
	return len(payload), nil
}

// newTestRetransmitter has a video history holding sequence numbers
// first..first+n-1 and one bound video stream with the given RTX SSRC (0:
// none).
func newTestRetransmitter(t *testing.T, first uint16, n int, rtxSSRC uint32) (*retransmitter, *history, *captureWriter, *time.Time) {
	t.Helper()
	h := &history{}
	for i := range n {
		seq := first + uint16(i)
		h.put(&rtp.Packet{
			Header:  rtp.Header{Version: 2, SSRC: 1111, PayloadType: 96, SequenceNumber: seq, Timestamp: 3000 * uint32(i), Marker: i%2 == 1},
			Payload: []byte{byte(seq), byte(seq >> 8), 0xAB},
		})
	}
	src := func(k kind, seq uint16) *rtp.Packet {
		if k != kindVideo {
			return nil
		}
		return h.get(seq)
	}
	i, err := retransmitFactory{src: src, log: newSRLog()}.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	r := i.(*retransmitter)
	now := time.Unix(1_800_000_000, 0)
	r.now = func() time.Time { return now }
	w := &captureWriter{}
	info := &interceptor.StreamInfo{SSRC: 42, PayloadType: 100, MimeType: "video/VP8"}
	if rtxSSRC != 0 {
		info.SSRCRetransmission, info.PayloadTypeRetransmission = rtxSSRC, 101
	}
	if got := r.BindLocalStream(info, w); got != interceptor.RTPWriter(w) {
		t.Fatal("BindLocalStream wrapped the writer; writes must go through untouched")
	}
	return r, h, w, &now
}

// readRTCP runs pkts through the retransmitter's RTCP reader.
func readRTCP(t *testing.T, r *retransmitter, pkts ...rtcp.Packet) {
	t.Helper()
	raw, err := rtcp.Marshal(pkts)
	if err != nil {
		t.Fatal(err)
	}
	reader := r.BindRTCPReader(interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		return copy(b, raw), a, nil
	}))
	if _, _, err := reader.Read(make([]byte, 1500), nil); err != nil {
		t.Fatal(err)
	}
}

func TestRetransmitRTX(t *testing.T) {
	r, h, w, _ := newTestRetransmitter(t, 65530, 10, 77) // wraps past 65535
	// 65531, then the bitmask asks for 65533 and 0 (65531+2, 65531+5).
	readRTCP(t, r, &rtcp.TransportLayerNack{MediaSSRC: 42, Nacks: []rtcp.NackPair{{PacketID: 65531, LostPackets: 1<<1 | 1<<4}}})
	want := []uint16{65531, 65533, 0}
	if len(w.got) != len(want) {
		t.Fatalf("resent %d packets, want %d", len(w.got), len(want))
	}
	for i, c := range w.got {
		orig := h.get(want[i])
		if c.h.SSRC != 77 || c.h.PayloadType != 101 {
			t.Errorf("resend %d: SSRC %d PT %d, want the RTX stream 77/101", i, c.h.SSRC, c.h.PayloadType)
		}
		if want := w.got[0].h.SequenceNumber + uint16(i); c.h.SequenceNumber != want {
			t.Errorf("resend %d: RTX sequence %d, want %d (its own counter)", i, c.h.SequenceNumber, want)
		}
		if c.h.Timestamp != orig.Timestamp || c.h.Marker != orig.Marker {
			t.Errorf("resend %d: timestamp/marker %d/%v, want the original's %d/%v", i, c.h.Timestamp, c.h.Marker, orig.Timestamp, orig.Marker)
		}
		if osn := binary.BigEndian.Uint16(c.payload); osn != want[i] || !bytes.Equal(c.payload[2:], orig.Payload) {
			t.Errorf("resend %d: payload %x, want OSN %d then %x", i, c.payload, want[i], orig.Payload)
		}
	}
	if p := h.get(65531); p.SSRC != 1111 || p.PayloadType != 96 || len(p.Payload) != 3 {
		t.Errorf("the shared packet was changed: %+v", p)
	}
}

func TestRetransmitWithoutRTX(t *testing.T) {
	r, h, w, _ := newTestRetransmitter(t, 100, 5, 0)
	readRTCP(t, r, &rtcp.TransportLayerNack{MediaSSRC: 42, Nacks: []rtcp.NackPair{{PacketID: 102}}})
	if len(w.got) != 1 {
		t.Fatalf("resent %d packets, want 1", len(w.got))
	}
	c, orig := w.got[0], h.get(102)
	if c.h.SSRC != 42 || c.h.PayloadType != 100 || c.h.SequenceNumber != 102 || !bytes.Equal(c.payload, orig.Payload) {
		t.Errorf("got %+v %x, want the original on the viewer's SSRC 42 and PT 100", c.h, c.payload)
	}
}

func TestRetransmitOnlyWhatIsKeptAndAsked(t *testing.T) {
	r, h, w, _ := newTestRetransmitter(t, 0, 2000, 77) // 0..975 were overwritten
	readRTCP(t, r,
		&rtcp.TransportLayerNack{MediaSSRC: 42, Nacks: []rtcp.NackPair{{PacketID: 5}}},    // evicted
		&rtcp.TransportLayerNack{MediaSSRC: 9, Nacks: []rtcp.NackPair{{PacketID: 1999}}},  // not our stream
		&rtcp.TransportLayerNack{MediaSSRC: 42, Nacks: []rtcp.NackPair{{PacketID: 2500}}}, // never sent
	)
	if len(w.got) != 0 {
		t.Fatalf("resent %d packets, want none", len(w.got))
	}
	if h.get(5) != nil || h.get(1999) == nil {
		t.Fatal("history should keep exactly the latest packets")
	}
	r.UnbindLocalStream(&interceptor.StreamInfo{SSRC: 42})
	readRTCP(t, r, &rtcp.TransportLayerNack{MediaSSRC: 42, Nacks: []rtcp.NackPair{{PacketID: 1999}}})
	if len(w.got) != 0 {
		t.Fatal("resent on an unbound stream")
	}
}

// A packet NACKed again within a round trip (+5 ms) is not sent twice;
// after it, it is.
func TestRetransmitOncePerRoundTrip(t *testing.T) {
	r, _, w, now := newTestRetransmitter(t, 10, 5, 77)
	// The viewer reports on our SR sent 40 ms ago (its NTP time is the
	// publisher's clock, so LSR says nothing of ours), held 10 ms: RTT 30 ms.
	held := uint32(10 * time.Millisecond * (1 << 16) / time.Second)
	readRTCP(t, r, &rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 42, LastSenderReport: 0x5eed1234, Delay: held}}})
	if rtt := r.stream(42).rtt; rtt != 0 {
		t.Fatalf("rtt %v from a report on an SR never sent, want none", rtt)
	}
	r.log.note(42, 0x5eed1234, now.Add(-40*time.Millisecond))
	readRTCP(t, r, &rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 42, LastSenderReport: 0x5eed1234, Delay: held}}})
	if rtt := r.stream(42).rtt; rtt < 29*time.Millisecond || rtt > 31*time.Millisecond {
		t.Fatalf("rtt %v, want 30ms", rtt)
	}
	nack := &rtcp.TransportLayerNack{MediaSSRC: 42, Nacks: []rtcp.NackPair{{PacketID: 12}}}
	readRTCP(t, r, nack)
	*now = now.Add(20 * time.Millisecond)
	readRTCP(t, r, nack)
	if len(w.got) != 1 {
		t.Fatalf("%d resends within the round trip, want 1", len(w.got))
	}
	*now = now.Add(20 * time.Millisecond) // 40 ms > 30 + 5
	readRTCP(t, r, nack)
	if len(w.got) != 2 {
		t.Fatalf("%d resends after the round trip, want 2", len(w.got))
	}
}

// A stream's resends are rate-limited however the NACKs come (one or many
// per RTCP packet): resendBurst at once, then resendRate a second.
func TestRetransmitRateLimited(t *testing.T) {
	r, _, w, now := newTestRetransmitter(t, 0, historyPackets, 77)
	nacks := func(from, to uint16) []rtcp.Packet {
		var out []rtcp.Packet
		for seq := from; seq < to; seq += 17 {
			out = append(out, &rtcp.TransportLayerNack{MediaSSRC: 42, Nacks: []rtcp.NackPair{{PacketID: seq, LostPackets: 0xFFFF}}})
		}
		return out
	}
	readRTCP(t, r, nacks(0, 1020)...) // 60 NACK messages in one compound packet: 1020 packets asked for
	if len(w.got) != resendBurst {
		t.Fatalf("resent %d of 1020 asked at once, want the burst of %d", len(w.got), resendBurst)
	}
	*now = now.Add(100 * time.Millisecond)
	readRTCP(t, r, nacks(510, 1020)...)
	if got := len(w.got) - resendBurst; got != resendRate/10 {
		t.Fatalf("resent %d more 100 ms later, want %d", got, resendRate/10)
	}
	*now = now.Add(10 * time.Second) // the bucket is full again, not fuller
	readRTCP(t, r, nacks(0, 1020)...)
	if got := len(w.got) - resendBurst - resendRate/10; got != resendBurst {
		t.Fatalf("resent %d after a quiet while, want the burst of %d", got, resendBurst)
	}
}

// Without a round trip yet (no receiver report), a packet is still not
// resent more often than resendMinInterval (+5 ms); a failed write does
// not count.
func TestRetransmitRepeatFloor(t *testing.T) {
	r, _, w, now := newTestRetransmitter(t, 10, 5, 77)
	nack := &rtcp.TransportLayerNack{MediaSSRC: 42, Nacks: []rtcp.NackPair{{PacketID: 12}}}
	readRTCP(t, r, nack)
	*now = now.Add(10 * time.Millisecond)
	readRTCP(t, r, nack)
	if len(w.got) != 1 {
		t.Fatalf("%d resends 10 ms apart, want 1", len(w.got))
	}
	*now = now.Add(20 * time.Millisecond)
	readRTCP(t, r, nack)
	if len(w.got) != 2 {
		t.Fatalf("%d resends 30 ms apart, want 2", len(w.got))
	}
	w.fail = true
	*now = now.Add(30 * time.Millisecond)
	readRTCP(t, r, nack)
	w.fail = false
	readRTCP(t, r, nack) // at once: the failed attempt is forgotten
	if len(w.got) != 4 {
		t.Fatalf("%d write attempts, want 4 (a failed write may be retried at once)", len(w.got))
	}
}
