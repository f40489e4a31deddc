package recording

import (
	"fmt"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// defaultGatherTimeout bounds ICE gathering for one WHEP answer when
// Config.GatherTimeout is zero.
const defaultGatherTimeout = 5 * time.Second

// Config configures the pion API that playback viewers (and, in tests, the
// publishers feeding a Recorder) use. The zero value gathers host candidates
// on every interface with pion's defaults and no STUN server.
type Config struct {
	// ICEServers are the STUN/TURN servers offered to each PeerConnection.
	ICEServers []webrtc.ICEServer
	// InterfaceFilter, when set, keeps only the network interfaces it
	// returns true for (tests keep "lo").
	InterfaceFilter func(name string) bool
	// IncludeLoopback gathers loopback candidates too (tests need them).
	IncludeLoopback bool
	// NetworkTypes restricts candidate network types (for example UDP4 only);
	// empty means pion's default.
	NetworkTypes []webrtc.NetworkType
	// UDPPortMin and UDPPortMax, when both set, bound the ephemeral UDP ports.
	UDPPortMin, UDPPortMax uint16
	// DisableMDNS turns multicast DNS off entirely (no mDNS socket is opened).
	DisableMDNS bool
	// GatherTimeout bounds ICE gathering per answer; zero means 5 s.
	GatherTimeout time.Duration
}

func (c Config) gatherTimeout() time.Duration {
	if c.GatherTimeout > 0 {
		return c.GatherTimeout
	}
	return defaultGatherTimeout
}

// NewAPI builds a pion API whose MediaEngine knows exactly the codecs this
// package records and plays (VP8, VP9, H.264 constrained baseline with
// packetization-mode 1, Opus), with pion's default interceptors (NACK, RTCP
// reports, TWCC) and a SettingEngine configured from c.
func NewAPI(c Config) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := registerCodecs(m); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, fmt.Errorf("recording: interceptors: %w", err)
	}
	s, err := c.settingEngine()
	if err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg),
		webrtc.WithSettingEngine(s)), nil
}

func (c Config) settingEngine() (webrtc.SettingEngine, error) {
	s := webrtc.SettingEngine{}
	if c.InterfaceFilter != nil {
		s.SetInterfaceFilter(c.InterfaceFilter)
	}
	s.SetIncludeLoopbackCandidate(c.IncludeLoopback)
	if len(c.NetworkTypes) > 0 {
		s.SetNetworkTypes(c.NetworkTypes)
	}
	if c.UDPPortMin != 0 || c.UDPPortMax != 0 {
		if err := s.SetEphemeralUDPPortRange(c.UDPPortMin, c.UDPPortMax); err != nil {
			return s, fmt.Errorf("recording: UDP port range: %w", err)
		}
	}
	if c.DisableMDNS {
		s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	return s, nil
}

// Codec capabilities this package records and plays. The H.264 line is
// constrained baseline, packetization-mode 1, as browsers send it.
var (
	capVP8  = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	capVP9  = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0"}
	capH264 = webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
	}
	capOpus = webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1",
	}
)

func registerCodecs(m *webrtc.MediaEngine) error {
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"},
		{Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	video := []webrtc.RTPCodecParameters{
		{RTPCodecCapability: withFeedback(capVP8, fb), PayloadType: 96},
		{RTPCodecCapability: withFeedback(capVP9, fb), PayloadType: 98},
		{RTPCodecCapability: withFeedback(capH264, fb), PayloadType: 102},
	}
	for _, c := range video {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return fmt.Errorf("recording: register %s: %w", c.MimeType, err)
		}
	}
	opus := webrtc.RTPCodecParameters{RTPCodecCapability: capOpus, PayloadType: 111}
	if err := m.RegisterCodec(opus, webrtc.RTPCodecTypeAudio); err != nil {
		return fmt.Errorf("recording: register opus: %w", err)
	}
	return nil
}

func withFeedback(c webrtc.RTPCodecCapability, fb []webrtc.RTCPFeedback) webrtc.RTPCodecCapability {
	c.RTCPFeedback = fb
	return c
}
