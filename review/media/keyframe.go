package media

import (
	"encoding/binary"

	"github.com/pion/rtp/codecs"
)

// vp8Keyframe reports whether a VP8 RTP payload starts a keyframe: the
// first packet of partition 0 (S=1, PID=0) whose VP8 payload header has
// P=0 (RFC 7741 §4.3).
func vp8Keyframe(payload []byte) bool {
	var p codecs.VP8Packet
	data, err := p.Unmarshal(payload)
	return err == nil && p.S == 1 && p.PID == 0 && len(data) > 0 && data[0]&0x01 == 0
}

// vp9Keyframe reports whether a VP9 RTP payload starts a keyframe: the
// start of a frame (B=1) of the base spatial layer that is not
// inter-picture predicted (P=0) (RFC 9628 §4.2).
func vp9Keyframe(payload []byte) bool {
	var p codecs.VP9Packet
	_, err := p.Unmarshal(payload)
	return err == nil && p.B && !p.P && p.SID == 0
}

// H.264 NAL unit types (ITU-T H.264 Table 7-1, RFC 6184 §5.2).
const (
	naluIDR   = 5
	naluSPS   = 7
	naluSTAPA = 24
	naluFUA   = 28
)

// h264Keyframe reports whether an H.264 RTP payload (RFC 6184) carries a
// sequence parameter set or the start of an IDR picture: a single NAL
// unit, any unit of a STAP-A aggregate, or the first fragment of a FU-A.
func h264Keyframe(payload []byte) bool {
	if len(payload) < 1 {
		return false
	}
	switch t := payload[0] & 0x1f; t {
	case naluSTAPA:
		for rest := payload[1:]; len(rest) > 2; {
			n := int(binary.BigEndian.Uint16(rest))
			if n == 0 || len(rest) < 2+n {
				return false
			}
			if nt := rest[2] & 0x1f; nt == naluIDR || nt == naluSPS {
				return true
			}
			rest = rest[2+n:]
		}
		return false
	case naluFUA:
		return len(payload) > 1 && payload[1]&0x80 != 0 && payload[1]&0x1f == naluIDR
	default:
		return t == naluIDR || t == naluSPS
	}
}
