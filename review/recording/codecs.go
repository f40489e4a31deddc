package recording

import (
	"encoding/binary"

	"github.com/pion/rtp/codecs"

	"atelier/review/internal/rtpkey"
)

// pion ivfwriter's default frame size, used when the keyframe does not say.
const (
	defaultWidth  = 640
	defaultHeight = 480
)

// h264Opening returns the payload to give pion's h264writer first: its gate
// opens only on a payload whose first unit is an SPS, so the access unit
// delimiters and SEI that lead a STAP-A (rtpkey.H264SPSUnit) are cut from a
// copy.
func h264Opening(payload []byte) []byte {
	at, ok := rtpkey.H264SPSUnit(payload)
	if !ok || at <= 1 {
		return payload
	}
	return append([]byte{payload[0]}, payload[at:]...)
}

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
