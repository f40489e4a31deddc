package media

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"atelier/review/internal/rtpkey"
)

// Config holds the engine's network knobs and limits. Zero fields take
// their defaults; the zero Config gathers host candidates on every
// interface but loopback, uses no STUN or TURN server and any UDP port.
type Config struct {
	// InterfaceFilter keeps the network interfaces whose name it accepts
	// (nil keeps all), e.g. func(n string) bool { return n == "lo" }.
	InterfaceFilter func(name string) bool
	// IncludeLoopback gathers loopback candidates too (tests, or a
	// publisher on the same host).
	IncludeLoopback bool
	// NetworkTypes restricts candidate network types (nil: pion's default,
	// UDP and TCP over IPv4 and IPv6).
	NetworkTypes []webrtc.NetworkType
	// UDPPortMin and UDPPortMax bound the ephemeral UDP ports (0, 0: any).
	UDPPortMin, UDPPortMax uint16
	// NAT1To1IPs replaces host candidates' addresses with these public
	// addresses (a server behind a 1:1 NAT, such as a cloud VM's elastic IP).
	NAT1To1IPs []string
	// ICEServers are the STUN/TURN servers of every peer connection; they
	// are also advertised to WHIP/WHEP clients in Link headers
	// (RFC 9725 §4.4). Empty by default: no STUN.
	ICEServers []webrtc.ICEServer
	// GatherTimeout bounds ICE gathering before an answer is returned
	// (default 5s). Answers carry every candidate (non-trickle answers).
	GatherTimeout time.Duration
	// ConnectTimeout is how long a session may take to connect before it is
	// dropped (default 30s).
	ConnectTimeout time.Duration
	// QueuePackets bounds each viewer's queue of packets not yet written
	// (default 512, ~2 s of 2 Mbps video); when it is full, packets for that
	// viewer are dropped and counted, never waited for.
	QueuePackets int
	// MaxViewers bounds the viewers of one room (default 500).
	MaxViewers int
	// KeyframeInterval is the least time between two keyframe requests
	// (PLI) sent to a publisher (default 500ms); requests in between are
	// merged into one sent when the interval ends.
	KeyframeInterval time.Duration
	// GOPCachePackets bounds the packets kept since the last video keyframe
	// and replayed to a joining viewer (default 2048; a longer group of
	// pictures is not cached and the joiner waits for the keyframe its join
	// requests).
	GOPCachePackets int
	// SampleHistory is the number of context samples a room keeps
	// (default 1024).
	SampleHistory int
}

func (c Config) withDefaults() Config {
	if c.GatherTimeout <= 0 {
		c.GatherTimeout = 5 * time.Second
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 30 * time.Second
	}
	if c.QueuePackets <= 0 {
		c.QueuePackets = 512
	}
	if c.MaxViewers <= 0 {
		c.MaxViewers = 500
	}
	if c.KeyframeInterval <= 0 {
		c.KeyframeInterval = 500 * time.Millisecond
	}
	if c.GOPCachePackets <= 0 {
		c.GOPCachePackets = 2048
	}
	if c.SampleHistory <= 0 {
		c.SampleHistory = 1024
	}
	return c
}

// SettingEngine returns a pion SettingEngine with c's network knobs, mDNS
// off, and pion's logs sent to log (nil: discarded).
func (c Config) SettingEngine(log *slog.Logger) (webrtc.SettingEngine, error) {
	var se webrtc.SettingEngine
	if c.InterfaceFilter != nil {
		se.SetInterfaceFilter(c.InterfaceFilter)
	}
	se.SetIncludeLoopbackCandidate(c.IncludeLoopback)
	if len(c.NetworkTypes) > 0 {
		se.SetNetworkTypes(c.NetworkTypes)
	}
	if c.UDPPortMin != 0 || c.UDPPortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(c.UDPPortMin, c.UDPPortMax); err != nil {
			return se, fmt.Errorf("media: UDP port range %d-%d: %w", c.UDPPortMin, c.UDPPortMax, err)
		}
	}
	if len(c.NAT1To1IPs) > 0 {
		rule := webrtc.ICEAddressRewriteRule{External: c.NAT1To1IPs, AsCandidateType: webrtc.ICECandidateTypeHost}
		if err := se.SetICEAddressRewriteRules(rule); err != nil {
			return se, fmt.Errorf("media: NAT 1:1 addresses: %w", err)
		}
	}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.LoggerFactory = pionLogs{log: log}
	return se, nil
}

// videoFeedback is the RTCP feedback offered for every video codec: NACK
// (retransmission), PLI and FIR (keyframe requests), REMB and transport-cc.
var videoFeedback = []webrtc.RTCPFeedback{
	{Type: webrtc.TypeRTCPFBGoogREMB}, {Type: webrtc.TypeRTCPFBCCM, Parameter: "fir"},
	{Type: webrtc.TypeRTCPFBNACK}, {Type: webrtc.TypeRTCPFBNACK, Parameter: "pli"},
}

// videoCodec is one forwarded video format and its RTX (RFC 4588) payload type.
type videoCodec struct {
	mime     string
	fmtp     string
	pt, rtx  webrtc.PayloadType
	keyframe func(payload []byte) bool
}

// videoCodecs are the video formats the engine forwards, in the order it
// offers them: VP8, VP9 (profiles 0 and 2), H.264 (constrained baseline,
// baseline and main, packetization modes 1 and 0).
var videoCodecs = []videoCodec{
	{webrtc.MimeTypeVP8, "", 96, 97, rtpkey.VP8Start},
	{webrtc.MimeTypeVP9, "profile-id=0", 98, 99, rtpkey.VP9Start},
	{webrtc.MimeTypeVP9, "profile-id=2", 100, 101, rtpkey.VP9Start},
	{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", 102, 103, rtpkey.H264Carries},
	{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", 104, 105, rtpkey.H264Carries},
	{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f", 106, 107, rtpkey.H264Carries},
	{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f", 108, 109, rtpkey.H264Carries},
	{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f", 112, 113, rtpkey.H264Carries},
}

// opusCodec is the one forwarded audio format.
var opusCodec = webrtc.RTPCodecParameters{
	RTPCodecCapability: webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1",
	},
	PayloadType: 111,
}

// NewMediaEngine returns a MediaEngine with the forwarded codecs: VP8, VP9,
// H.264 (each with RTX) and Opus.
func NewMediaEngine() (*webrtc.MediaEngine, error) {
	me := &webrtc.MediaEngine{}
	for _, c := range videoCodecs {
		codec := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: c.mime, ClockRate: 90000, SDPFmtpLine: c.fmtp, RTCPFeedback: videoFeedback},
			PayloadType:        c.pt,
		}
		rtx := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: fmt.Sprintf("apt=%d", c.pt)},
			PayloadType:        c.rtx,
		}
		for _, p := range []webrtc.RTPCodecParameters{codec, rtx} {
			if err := me.RegisterCodec(p, webrtc.RTPCodecTypeVideo); err != nil {
				return nil, fmt.Errorf("media: register %s: %w", p.MimeType, err)
			}
		}
	}
	if err := me.RegisterCodec(opusCodec, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("media: register opus: %w", err)
	}
	return me, nil
}

// NewAPI returns a pion API with the forwarded codecs, pion's default
// interceptors (NACK generator and responder, RTCP reports, stats, TWCC)
// and c's settings. The engine's publishers share one; viewers get a
// viewer API instead (newViewerAPI); the WHIP client and tests build their
// own with it.
func NewAPI(c Config, log *slog.Logger) (*webrtc.API, error) {
	se, err := c.SettingEngine(log)
	if err != nil {
		return nil, err
	}
	return newDefaultAPI(se)
}

// newDefaultAPI is NewAPI with its SettingEngine made.
func newDefaultAPI(se webrtc.SettingEngine) (*webrtc.API, error) {
	me, err := NewMediaEngine()
	if err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, reg); err != nil {
		return nil, fmt.Errorf("media: interceptors: %w", err)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

// viewerAPIs makes the pion API of each viewer: the same codecs, feedback
// and header extensions as NewAPI (so answers are the same), the shared
// SettingEngine, and only the interceptors a send-only peer needs: RTCP
// sender reports and a retransmitter bound to the viewer, which answers
// NACKs from the room's shared history (retransmit.go). Pion's receiving
// interceptors (NACK generator, receiver reports, TWCC) have nothing to do
// on a viewer, and its stats interceptor is not read.
type viewerAPIs struct {
	me *webrtc.MediaEngine // copied by every peer connection, never changed
	se webrtc.SettingEngine
}

func newViewerAPIs(se webrtc.SettingEngine) (*viewerAPIs, error) {
	me, err := NewMediaEngine()
	if err != nil {
		return nil, err
	}
	// Register on me what the default interceptors register (feedback,
	// header extensions); the registry is discarded.
	if err := webrtc.RegisterDefaultInterceptors(me, &interceptor.Registry{}); err != nil {
		return nil, fmt.Errorf("media: interceptors: %w", err)
	}
	return &viewerAPIs{me: me, se: se}, nil
}

// viewerInterceptors returns the factories of a viewer's retransmitter and
// sender reporter, sharing the log of the reports sent.
func viewerInterceptors(src packetSource, clocks clockSource) (retransmitFactory, senderReportFactory) {
	log := newSRLog()
	return retransmitFactory{src: src, log: log}, senderReportFactory{clocks: clocks, log: log}
}

func (a *viewerAPIs) api(src packetSource, clocks clockSource) (*webrtc.API, error) {
	reg := &interceptor.Registry{}
	rtx, sr := viewerInterceptors(src, clocks)
	reg.Add(rtx)
	reg.Add(sr)
	return webrtc.NewAPI(webrtc.WithMediaEngine(a.me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(a.se)), nil
}
