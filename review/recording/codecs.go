package recording

import (
	"encoding/binary"

	"github.com/pion/rtp/codecs"
)

// H.264 NAL unit types this package looks at (RFC 6184 section 5.2).
const (
	naluIDR   = 5
	naluSEI   = 6
	naluSPS   = 7
	naluAUD   = 9
	naluSTAPA = 24
	naluFUA   = 28
	naluMask  = 0x1f
)

// pion ivfwriter's default frame size, used when the keyframe does not say.
const (
	defaultWidth  = 640
	defaultHeight = 480
)

// vp8StartsKeyframe reports whether an RTP payload is the first packet of a
// VP8 keyframe: S=1, partition 0, and the P bit of the VP8 payload header
// (RFC 7741 section 4.3) clear.
func vp8StartsKeyframe(payload []byte) bool {
	var p codecs.VP8Packet
	if _, err := p.Unmarshal(payload); err != nil {
		return false
	}
	return p.S == 1 && p.PID == 0 && len(p.Payload) > 0 && p.Payload[0]&0x01 == 0
}

// vp9StartsKeyframe reports whether an RTP payload begins a VP9 frame (B)
// that is not inter-picture predicted (P clear), RFC 9628 section 4.2.
func vp9StartsKeyframe(payload []byte) bool {
	var p codecs.VP9Packet
	if _, err := p.Unmarshal(payload); err != nil {
		return false
	}
	return p.B && !p.P
}

// h264StartsKeyframe reports whether an RTP payload opens an H.264
// keyframe: an SPS alone, or a STAP-A whose units before its SPS are only
// access unit delimiters or SEI (x264 and GStreamer put a delimiter first).
func h264StartsKeyframe(payload []byte) bool {
	_, ok := h264SPSUnit(payload)
	return ok
}

// h264Opening returns the payload to give pion's h264writer first: its gate
// opens only on a payload whose first unit is an SPS, so a STAP-A's leading
// delimiters and SEI are cut from a copy.
func h264Opening(payload []byte) []byte {
	at, ok := h264SPSUnit(payload)
	if !ok || at == 0 {
		return payload
	}
	return append([]byte{payload[0]}, payload[at:]...)
}

// h264SPSUnit finds the SPS that opens a keyframe: 0 for a single SPS, the
// offset of its unit's size field in a STAP-A.
func h264SPSUnit(payload []byte) (int, bool) {
	if len(payload) < 1 {
		return 0, false
	}
	switch payload[0] & naluMask {
	case naluSPS:
		return 0, true
	case naluSTAPA:
		for i := 1; i+2 < len(payload); {
			n := int(binary.BigEndian.Uint16(payload[i:]))
			if n == 0 || i+2+n > len(payload) {
				return 0, false
			}
			switch payload[i+2] & naluMask {
			case naluSPS:
				if i == 1 {
					return 0, true
				}
				return i, true
			case naluAUD, naluSEI:
				i += 2 + n
			default:
				return 0, false
			}
		}
	}
	return 0, false
}

// h264CarriesKeyframe reports whether an RTP payload holds an IDR slice or
// an SPS: alone, in a STAP-A, or as the first fragment of an FU-A.
func h264CarriesKeyframe(payload []byte) bool {
	if len(payload) == 0 {
		return false
	}
	switch t := payload[0] & naluMask; t {
	case naluIDR, naluSPS:
		return true
	case naluFUA:
		return len(payload) > 1 && payload[1]&0x80 != 0 && isKeyNALU(payload[1]&naluMask)
	case naluSTAPA:
		for i := 1; i+2 < len(payload); {
			n := int(binary.BigEndian.Uint16(payload[i:]))
			i += 2
			if isKeyNALU(payload[i] & naluMask) {
				return true
			}
			i += n
		}
	}
	return false
}

func isKeyNALU(t byte) bool { return t == naluIDR || t == naluSPS }

// videoSize reads the frame size from the first packet of a keyframe: the
// VP8 key frame header (RFC 6386 section 9.1) or the VP9 payload
// descriptor's scalability structure; pion's default when absent.
func videoSize(c codec, payload []byte) (width, height uint16) {
	switch c {
	case codecVP8:
		var p codecs.VP8Packet
		if _, err := p.Unmarshal(payload); err == nil {
			b := p.Payload
			if len(b) >= 10 && b[3] == 0x9d && b[4] == 0x01 && b[5] == 0x2a {
				return binary.LittleEndian.Uint16(b[6:]) & 0x3fff, binary.LittleEndian.Uint16(b[8:]) & 0x3fff
			}
		}
	case codecVP9:
		var p codecs.VP9Packet
		if _, err := p.Unmarshal(payload); err == nil && len(p.Width) > 0 && len(p.Height) > 0 {
			return p.Width[len(p.Width)-1], p.Height[len(p.Height)-1]
		}
	}
	return defaultWidth, defaultHeight
}
