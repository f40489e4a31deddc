package rtpkey

import "github.com/pion/rtp/codecs"

// VP8Start reports whether a VP8 RTP payload is the first packet of a
// keyframe: the start of partition 0 (S=1, PID=0) whose VP8 payload header
// has the inverse key frame flag P clear (RFC 7741 section 4.3).
func VP8Start(payload []byte) bool {
	var p codecs.VP8Packet
	data, err := p.Unmarshal(payload)
	return err == nil && p.S == 1 && p.PID == 0 && len(data) > 0 && data[0]&0x01 == 0
}

// VP9Start reports whether a VP9 RTP payload is the first packet of a
// keyframe: the start of a frame (B=1) that is not inter-picture predicted
// (P=0) in the base spatial layer (SID=0), RFC 9628 section 4.2. An upper
// spatial layer's intra frame still needs its base layer, so a decoder
// cannot start there.
func VP9Start(payload []byte) bool {
	var p codecs.VP9Packet
	_, err := p.Unmarshal(payload)
	return err == nil && p.B && !p.P && p.SID == 0
}
