package rtpkey

import (
	"testing"

	"github.com/pion/rtp/codecs"
)

func TestVP8Start(t *testing.T) {
	// The payload descriptor's first byte is X R N S R PID (RFC 7741
	// section 4.2); the first byte after it holds the VP8 header's P bit.
	vp8 := func(s, pid, p byte) []byte { return []byte{s<<4 | pid, p, 0, 0} }
	for _, tc := range []struct {
		name string
		in   []byte
		want bool
	}{
		{"key start", vp8(1, 0, 0x10), true},
		{"inter frame", vp8(1, 0, 0x11), false},
		{"continuation", vp8(0, 0, 0x10), false},
		{"other partition", vp8(1, 1, 0x10), false},
		{"extended descriptor key start", []byte{0x90, 0x80, 0x01, 0x00}, true},
		{"extended descriptor inter", []byte{0x90, 0x80, 0x01, 0x01}, false},
		{"descriptor only", []byte{0x10}, false},
		{"truncated extension", []byte{0x90}, false},
		{"empty", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := VP8Start(tc.in); got != tc.want {
				t.Errorf("VP8Start(%x) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// pion's payloader agrees: a VP8 keyframe's first packet starts it, the
// rest do not.
func TestVP8StartPionPayloader(t *testing.T) {
	frame := append([]byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, make([]byte, 3000)...)
	pkts := (&codecs.VP8Payloader{}).Payload(1200, frame)
	if len(pkts) < 2 {
		t.Fatalf("%d packets, want the frame split", len(pkts))
	}
	for i, p := range pkts {
		if got := VP8Start(p); got != (i == 0) {
			t.Errorf("packet %d: VP8Start = %v", i, got)
		}
	}
}

func TestVP9Start(t *testing.T) {
	// The descriptor's first byte is I P L F B E V Z (RFC 9628 section
	// 4.2); with L, layer indices T U S D follow (and TL0PICIDX when F=0).
	const i, p, l, f, b, v = 0x80, 0x40, 0x20, 0x10, 0x08, 0x02
	sid := func(s byte) byte { return s << 1 }
	for _, tc := range []struct {
		name string
		in   []byte
		want bool
	}{
		{"key start", []byte{b, 0}, true},
		{"inter", []byte{p | b, 0}, false},
		{"middle", []byte{0, 0}, false},
		{"key end", []byte{0x04, 0}, false},
		{"picture id", []byte{i | b, 0x01, 0}, true},
		{"base layer key", []byte{l | b, sid(0), 0, 0}, true},
		{"upper layer intra", []byte{l | b, sid(1), 0, 0}, false},
		{"upper layer inter", []byte{p | l | b, sid(1), 0, 0}, false},
		{"flexible base layer key", []byte{f | l | b, sid(0), 0}, true},
		{"flexible upper layer intra", []byte{f | l | b, sid(2), 0}, false},
		{"scalability structure", []byte{b | v, 0x10, 0x02, 0x80, 0x01, 0x68, 0}, true},
		{"truncated layer indices", []byte{l | b}, false},
		{"truncated picture id", []byte{i | b}, false},
		{"empty", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := VP9Start(tc.in); got != tc.want {
				t.Errorf("VP9Start(%x) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzVPX(f *testing.F) {
	f.Add([]byte{0x90, 0x80, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00})
	f.Add([]byte{0x28, 0x02, 0x00, 0x00})
	f.Add([]byte{0x0a, 0x10, 0x02, 0x80, 0x01, 0x68, 0})
	f.Fuzz(func(_ *testing.T, payload []byte) {
		VP8Start(payload)
		VP9Start(payload)
	})
}
