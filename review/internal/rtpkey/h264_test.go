package rtpkey

import (
	"testing"

	"github.com/pion/rtp/codecs"
)

// NAL units and packets for the tables: single NAL units are their own
// payloads (RFC 6184 section 5.6).
var (
	sps = []byte{0x67, 0x42, 0xe0}
	pps = []byte{0x68, 0xce}
	idr = []byte{0x65, 0x88}
	non = []byte{0x41, 0x9a} // a non-IDR slice
	aud = []byte{0x09, 0xf0}
	sei = []byte{0x06, 0x05, 0x80}
)

// stap aggregates units in a STAP-A (F=0, NRI=3), each after its 16-bit size.
func stap(units ...[]byte) []byte {
	b := []byte{0x78}
	for _, u := range units {
		b = append(append(b, byte(len(u)>>8), byte(len(u))), u...)
	}
	return b
}

// fua is the FU-A fragment of a unit of type t: the first (start), a
// middle one, or the last (end).
func fua(t byte, start, end bool) []byte {
	h := t
	if start {
		h |= 0x80
	}
	if end {
		h |= 0x40
	}
	return []byte{0x7c, h, 0x88}
}

func TestH264Carries(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want bool
	}{
		{"IDR", idr, true},
		{"SPS", sps, true},
		{"PPS", pps, false},
		{"non-IDR slice", non, false},
		{"AUD", aud, false},
		{"empty", nil, false},
		{"STAP-A SPS PPS", stap(sps, pps), true},
		{"STAP-A AUD SEI SPS PPS", stap(aud, sei, sps, pps), true},
		{"STAP-A PPS IDR", stap(pps, idr), true},
		{"STAP-A AUD SEI PPS", stap(aud, sei, pps), false},
		{"STAP-A one-byte IDR unit", stap(idr[:1]), true},
		{"STAP-A header only", []byte{0x78}, false},
		{"STAP-A size only", []byte{0x78, 0, 1}, false},
		{"STAP-A truncated unit", []byte{0x78, 0, 9, 0x67}, false},
		{"STAP-A zero-length unit before SPS", append([]byte{0x78, 0, 0}, stap(sps)[1:]...), false},
		{"STAP-A overrunning unit before SPS", append(stap(pps)[:len(stap(pps))-1], stap(sps)[1:]...), false},
		{"STAP-A SPS before a truncated unit", append(stap(sps), 0, 9, 0x68), true},
		{"STAP-A SPS before a zero-length unit", append(stap(sps), 0, 0), true},
		{"FU-A IDR start", fua(NALUIDR, true, false), true},
		{"FU-A IDR middle", fua(NALUIDR, false, false), false},
		{"FU-A IDR end", fua(NALUIDR, false, true), false},
		{"FU-A non-IDR start", fua(1, true, false), false},
		{"FU-A SPS start", fua(NALUSPS, true, false), true},
		{"FU-A SPS end", fua(NALUSPS, false, true), false},
		{"FU-A IDR start header alone", []byte{0x7c, 0x85}, true},
		{"FU-A indicator alone", []byte{0x7c}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := H264Carries(tc.in); got != tc.want {
				t.Errorf("H264Carries(%x) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestH264SPSUnit(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		at   int
		ok   bool
	}{
		{"SPS", sps, 0, true},
		{"STAP-A SPS PPS", stap(sps, pps), 1, true},
		{"STAP-A AUD SPS PPS", stap(aud, sps, pps), 1 + 2 + len(aud), true},
		{"STAP-A AUD SEI SPS", stap(aud, sei, sps), 1 + 2 + len(aud) + 2 + len(sei), true},
		{"STAP-A SEI SEI SPS", stap(sei, sei, sps), 1 + 2*(2+len(sei)), true},
		{"STAP-A SPS before a truncated unit", append(stap(sps), 0, 9, 0x68), 1, true},
		{"STAP-A PPS SPS", stap(pps, sps), 0, false},
		{"STAP-A AUD IDR", stap(aud, idr), 0, false},
		{"STAP-A AUD SEI", stap(aud, sei), 0, false},
		{"STAP-A AUD, SPS cut short", stap(aud, sps)[:5], 0, false},
		{"STAP-A AUD, SPS overrunning", stap(aud, sps)[:len(stap(aud, sps))-1], 0, false},
		{"STAP-A zero-length unit before SPS", append([]byte{0x78, 0, 0}, stap(sps)[1:]...), 0, false},
		{"STAP-A header only", []byte{0x78}, 0, false},
		// pion's h264writer opens only on an SPS it sees whole, so a
		// fragment does not open a keyframe, though H264Carries counts it.
		{"FU-A SPS start", fua(NALUSPS, true, false), 0, false},
		{"IDR", idr, 0, false},
		{"PPS", pps, 0, false},
		{"AUD", aud, 0, false},
		{"empty", nil, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, ok := H264SPSUnit(tc.in)
			if at != tc.at || ok != tc.ok {
				t.Errorf("H264SPSUnit(%x) = %d, %v; want %d, %v", tc.in, at, ok, tc.at, tc.ok)
			}
		})
	}
}

// pion's payloader agrees: it aggregates the SPS and PPS in a STAP-A that
// opens the keyframe and fragments the IDR slice; the next picture's
// packets carry no keyframe.
func TestH264PionPayloader(t *testing.T) {
	annexB := func(units ...[]byte) []byte {
		var b []byte
		for _, u := range units {
			b = append(append(b, 0, 0, 0, 1), u...)
		}
		return b
	}
	bigIDR := append([]byte{0x65}, make([]byte, 3000)...)
	p := &codecs.H264Payloader{}
	key := p.Payload(1200, annexB(sps, pps, bigIDR))
	if len(key) < 3 {
		t.Fatalf("%d packets, want a STAP-A and IDR fragments", len(key))
	}
	if at, ok := H264SPSUnit(key[0]); !ok || at != 1 {
		t.Errorf("first packet %x: H264SPSUnit = %d, %v; want 1, true", key[0], at, ok)
	}
	for i, pkt := range key {
		if got := H264Carries(pkt); got != (i <= 1) {
			t.Errorf("keyframe packet %d (type %d): H264Carries = %v", i, NALUType(pkt[0]), got)
		}
	}
	for i, pkt := range p.Payload(1200, annexB(append([]byte{0x41}, make([]byte, 3000)...))) {
		if H264Carries(pkt) {
			t.Errorf("inter packet %d carries a keyframe", i)
		}
	}
}

// FuzzH264: no payload makes the parsers panic, and they agree: an SPS
// that opens a keyframe is carried, and the offset names a whole SPS unit.
func FuzzH264(f *testing.F) {
	for _, seed := range [][]byte{
		sps, idr, stap(sps, pps), stap(aud, sei, sps, pps), stap(aud, sps)[:5],
		{0x78, 0, 9, 0x67}, {0x78, 0, 0, 0, 2, 0x67}, fua(NALUIDR, true, false), {0x7c}, {},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		carries := H264Carries(payload)
		at, ok := H264SPSUnit(payload)
		if !ok {
			return
		}
		if !carries {
			t.Fatalf("%x opens a keyframe at %d but carries none", payload, at)
		}
		if at == 0 {
			if NALUType(payload[0]) != NALUSPS {
				t.Fatalf("%x: SPS at 0 in a packet of type %d", payload, NALUType(payload[0]))
			}
			return
		}
		if NALUType(payload[0]) != NALUSTAPA || at+2 >= len(payload) || NALUType(payload[at+2]) != NALUSPS {
			t.Fatalf("%x: no SPS unit at %d", payload, at)
		}
		if n := int(payload[at])<<8 | int(payload[at+1]); n == 0 || at+2+n > len(payload) {
			t.Fatalf("%x: SPS unit at %d has size %d", payload, at, n)
		}
	})
}
