package media

import (
	"crypto/rand"
	"log/slog"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// RoomID names a room; the caller chooses it (the review domain uses the
// review id).
type RoomID string

// ResourceID names a WHIP or WHEP session: the last segment of its
// resource URL. It is random and unguessable.
type ResourceID string

// Engine builds the pion API once (codecs, interceptors, network settings)
// and makes rooms that share it. It holds no goroutines and nothing to
// close; each Room is closed by its owner.
type Engine struct {
	cfg     Config
	api     *webrtc.API // publishers'
	viewers *viewerAPIs
	log     *slog.Logger
}

// NewEngine returns an engine for cfg. It does no I/O: sockets are opened
// per peer connection, when a session is negotiated.
func NewEngine(cfg Config, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	se, err := cfg.SettingEngine(log)
	if err != nil {
		return nil, err
	}
	api, err := newDefaultAPI(se)
	if err != nil {
		return nil, err
	}
	viewers, err := newViewerAPIs(se)
	if err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, api: api, viewers: viewers, log: log}, nil
}

// Config returns the engine's configuration, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// RoomOptions are a room's hooks.
type RoomOptions struct {
	// OnSample, if set, is called with each valid context sample, in
	// order, from the data channel's goroutine; it should not block long
	// (the review domain persists samples with it).
	OnSample func(RoomID, ContextSample)
	// OnPublisher, if set, is called with true when a publisher's
	// connection is up and with false when its publication ends.
	OnPublisher func(RoomID, bool)
	// OnTrack, if set, is called when a publisher's track starts being
	// forwarded; the sink it returns (nil for none) is given a copy of
	// every packet forwarded, on the track's goroutine (it must not block
	// for long: a recorder writing to a local disk), and is told when the
	// track ends.
	OnTrack func(RoomID, TrackInfo) PacketSink
}

// TrackInfo describes a published track.
type TrackInfo struct {
	// Kind is "video" or "audio".
	Kind string
	// MimeType is the codec, e.g. "video/VP8".
	MimeType string
	// ClockRate is the RTP clock rate.
	ClockRate uint32
	// Channels is the audio channel count (0 for video).
	Channels uint16
}

// PacketSink receives a copy of a forwarded track's packets.
type PacketSink interface {
	// WriteRTP takes a packet the sink may keep; an error stops the feed.
	WriteRTP(*rtp.Packet) error
	// End says the track ended.
	End()
}

// SenderReportSink is a PacketSink that also takes the publisher's RTCP
// sender reports for its track (its wall clock, NTP, at an RTP timestamp),
// as a recorder lines tracks up by. Its calls come from another goroutine
// than WriteRTP's, and may follow End.
type SenderReportSink interface {
	WriteSenderReport(ntp uint64, rtpTime uint32)
}

// NewRoom returns an empty room: no publisher, no viewers. It starts
// nothing; goroutines start with sessions and end with Close.
func (e *Engine) NewRoom(id RoomID, opts RoomOptions) *Room {
	return &Room{
		id: id, eng: e, opts: opts, log: e.log.With("room", string(id)),
		viewers: map[ResourceID]*viewer{}, samples: newSampleLog(e.cfg.SampleHistory),
	}
}

func (e *Engine) pcConfig() webrtc.Configuration {
	return webrtc.Configuration{ICEServers: e.cfg.ICEServers, BundlePolicy: webrtc.BundlePolicyMaxBundle}
}

func newResourceID() ResourceID { return ResourceID(rand.Text()) }
func newETag() string           { return rand.Text()[:16] }
