package rtpkey

import (
	"encoding/binary"
	"iter"
)

// H.264 NAL unit types: IDR, SEI, SPS and AUD from ITU-T H.264 Table 7-1,
// the STAP-A and FU-A packet types from RFC 6184 section 5.2.
const (
	NALUIDR   = 5  // coded slice of an IDR picture
	NALUSEI   = 6  // supplemental enhancement information
	NALUSPS   = 7  // sequence parameter set
	NALUAUD   = 9  // access unit delimiter
	NALUSTAPA = 24 // single-time aggregation packet (RFC 6184 section 5.7.1)
	NALUFUA   = 28 // fragmentation unit (RFC 6184 section 5.8)
)

// NALUType returns the nal_unit_type of a NAL unit header (or of an RTP
// payload header, or of an FU header, which keep it in the same bits).
func NALUType(header byte) byte { return header & 0x1f }

// fuStart is the S bit of an FU header (RFC 6184 section 5.8).
const fuStart = 0x80

// H264Carries reports whether an H.264 RTP payload holds an IDR slice or a
// sequence parameter set: as a single NAL unit, as any unit of a STAP-A
// before the first malformed one, or as the first fragment (S=1) of an
// FU-A. It marks the packets of a keyframe's access unit, not where a
// decoder may start (see H264SPSUnit).
func H264Carries(payload []byte) bool {
	if len(payload) == 0 {
		return false
	}
	switch t := NALUType(payload[0]); t {
	case NALUSTAPA:
		for _, u := range stapA(payload) {
			if isKey(u) {
				return true
			}
		}
		return false
	case NALUFUA:
		return len(payload) > 1 && payload[1]&fuStart != 0 && isKey(NALUType(payload[1]))
	default:
		return isKey(t)
	}
}

// H264SPSUnit reports whether an H.264 RTP payload opens a keyframe with
// its sequence parameter set, and where that SPS's unit begins. A single
// NAL unit SPS is at 0. In a STAP-A the SPS may follow only access unit
// delimiters and SEI (x264 and GStreamer put a delimiter first), and at is
// the offset of its unit's 16-bit size field: 1 when the SPS leads the
// aggregate.
func H264SPSUnit(payload []byte) (at int, ok bool) {
	if len(payload) == 0 {
		return 0, false
	}
	switch NALUType(payload[0]) {
	case NALUSPS:
		return 0, true
	case NALUSTAPA:
		for at, t := range stapA(payload) {
			switch t {
			case NALUSPS:
				return at, true
			case NALUAUD, NALUSEI:
			default:
				return 0, false
			}
		}
	}
	return 0, false
}

// stapA yields the offset of each unit's size field in a STAP-A payload
// and the unit's NAL type (RFC 6184 section 5.7.1), stopping at the first
// unit that is empty or overruns the payload.
func stapA(payload []byte) iter.Seq2[int, byte] {
	return func(yield func(int, byte) bool) {
		for i := 1; i+2 < len(payload); {
			n := int(binary.BigEndian.Uint16(payload[i:]))
			if n == 0 || i+2+n > len(payload) || !yield(i, NALUType(payload[i+2])) {
				return
			}
			i += 2 + n
		}
	}
}

func isKey(t byte) bool { return t == NALUIDR || t == NALUSPS }
