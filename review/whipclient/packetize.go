package whipclient

import (
	"fmt"
	"strings"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// rtpMTU is the RTP packet size pion's own sample tracks use.
const rtpMTU = 1200

// packetizer splits a track's samples into RTP packets the way pion's
// TrackLocalStaticSample does (same payloaders and MTU, timestamps
// advancing by each sample's duration), so that pace can space a frame's
// packets out instead of sending them together. The payload type and
// SSRC are the track's to set (TrackLocalStaticRTP sets each binding's).
type packetizer struct {
	p         rtp.Packetizer
	clockRate float64
	remainder float64 // fractional ticks carried to the next sample
}

func newPacketizer(c webrtc.RTPCodecCapability) (*packetizer, error) {
	var pl rtp.Payloader
	switch strings.ToLower(c.MimeType) {
	case strings.ToLower(webrtc.MimeTypeVP8):
		pl = &codecs.VP8Payloader{EnablePictureID: true}
	case strings.ToLower(webrtc.MimeTypeVP9):
		pl = &codecs.VP9Payloader{}
	case strings.ToLower(webrtc.MimeTypeH264):
		pl = &codecs.H264Payloader{}
	case strings.ToLower(webrtc.MimeTypeOpus):
		pl = &codecs.OpusPayloader{}
	default:
		return nil, fmt.Errorf("%w: no RTP payloader for %s", ErrUnsupportedFile, c.MimeType)
	}
	return &packetizer{
		p:         rtp.NewPacketizerWithOptions(rtpMTU, pl, rtp.NewRandomSequencer(), c.ClockRate),
		clockRate: float64(c.ClockRate),
	}, nil
}

// packets returns s's RTP packets; the next sample's timestamp is s's plus
// its duration in clock ticks.
func (p *packetizer) packets(s media.Sample) []*rtp.Packet {
	total := s.Duration.Seconds()*p.clockRate + p.remainder
	ticks := uint32(total)
	p.remainder = total - float64(ticks)
	return p.p.Packetize(s.Data, ticks)
}
