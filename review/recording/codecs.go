package recording

import (
	"encoding/binary"

	"github.com/pion/rtp/codecs"
)

// H.264 NAL unit types this package looks at (RFC 6184 section 5.2).
const (
	naluIDR   = 5
	naluSPS   = 7
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

// h264StartsKeyframe applies pion h264writer's own test: the payload starts
// with an SPS, alone or first in a STAP-A.
func h264StartsKeyframe(payload []byte) bool {
	if len(payload) < 4 {
		return false
	}
	t := payload[0] & naluMask
	return t == naluSPS || (t == naluSTAPA && payload[3]&naluMask == naluSPS)
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
