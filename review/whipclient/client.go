// Package whipclient publishes media files to a WHIP endpoint (RFC 9725):
// VP8 or VP9 from .ivf, H.264 from Annex-B .h264 and Opus from .ogg,
// paced in real time (a frame's packets spread over 40% of its duration,
// as a browser's pacer at 2.5 × the bitrate would send an average frame,
// rather than in one burst), with optional context samples on the
// "atelier-context" data channel. It is the publisher side of
// atelier/review/media, used by "atelier publish" and by tests.
package whipclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"atelier/review/media"
)

// PublishOptions says what to publish and where.
type PublishOptions struct {
	// URL is the WHIP endpoint.
	URL string
	// Token, if set, is sent as "Authorization: Bearer <token>".
	Token string
	// Files are the media files: at most one video (.ivf VP8/VP9, .h264
	// Annex-B) and one audio (.ogg Opus, one packet per page).
	Files []string
	// Loop starts the files over at their end, until ctx ends.
	Loop bool
	// Logger logs the session (nil: discarded).
	Logger *slog.Logger
	// Network holds the ICE knobs (interface filter, loopback, ports, ICE
	// servers); only those fields of media.Config are used.
	Network media.Config
	// HTTPClient makes the WHIP requests (nil: http.DefaultClient).
	HTTPClient *http.Client
	// H264FrameRate is the frame rate of .h264 files, which carry no
	// timestamps (default 30).
	H264FrameRate float64
	// ConnectTimeout bounds ICE and DTLS setup (default 15s).
	ConnectTimeout time.Duration
	// Context, if set, is called every ContextInterval with the media time
	// of the latest sent frame (seconds since the first); the sample it
	// returns, if ok, is sent on the context data channel (its MediaTime
	// set to that media time).
	Context func(mediaTime float64) (s media.ContextSample, ok bool)
	// ContextInterval is how often Context is called (default 100ms).
	ContextInterval time.Duration
	// OnKeyframeRequest, if set, is called for each PLI or FIR the server
	// sends. Files cannot make keyframes on demand; viewers rely on the
	// server's GOP cache and the files' own keyframes.
	OnKeyframeRequest func()
	// OnReceiverReport, if set, is called with each reception report the
	// server sends about a published stream (loss, jitter, and the LSR
	// and DLSR a round trip is measured from).
	OnReceiverReport func(rtcp.ReceptionReport)
}

func (o PublishOptions) withDefaults() PublishOptions {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.H264FrameRate <= 0 {
		o.H264FrameRate = 30
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 15 * time.Second
	}
	if o.ContextInterval <= 0 {
		o.ContextInterval = 100 * time.Millisecond
	}
	return o
}

// Publish publishes the files until they end (nil) or, with Loop, until
// ctx ends (ctx's error). It offers one track per file, trickles its ICE
// candidates with PATCH, and ends the session with DELETE whatever
// happens after the session is created.
func Publish(ctx context.Context, opts PublishOptions) (err error) {
	opts = opts.withDefaults()
	tracks, err := openTracks(opts.Files, opts.H264FrameRate)
	if err != nil {
		return err
	}
	defer closeTracks(tracks)
	api, err := media.NewAPI(opts.Network, opts.Logger)
	if err != nil {
		return err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: opts.Network.ICEServers, BundlePolicy: webrtc.BundlePolicyMaxBundle})
	if err != nil {
		return fmt.Errorf("whipclient: %w", err)
	}
	p := &publication{opts: opts, pc: pc, tracks: tracks, log: opts.Logger}
	defer p.wg.Wait() // after pc.Close, which ends the RTCP readers
	defer pc.Close()
	return p.run(ctx)
}

// publication is one Publish call's state.
type publication struct {
	opts   PublishOptions
	pc     *webrtc.PeerConnection
	tracks []*track
	log    *slog.Logger
	wg     sync.WaitGroup
	dc     *webrtc.DataChannel
	opened chan struct{}
}

// track is one file's local track.
type track struct {
	src       source
	local     *webrtc.TrackLocalStaticRTP
	rtp       *packetizer
	out       interface{ WriteRTP(*rtp.Packet) error } // local; a fake in tests
	mediaTime atomic.Int64                             // ns: start of the latest sent sample
}

// openTracks opens each file and makes its local track; on error every
// file opened is closed.
func openTracks(files []string, h264Rate float64) (tracks []*track, err error) {
	if len(files) == 0 {
		return nil, ErrNoFiles
	}
	defer func() {
		if err != nil {
			closeTracks(tracks)
			tracks = nil
		}
	}()
	seen := map[webrtc.RTPCodecType]string{}
	for _, f := range files {
		src, codec, err := openSource(f, h264Rate)
		if err != nil {
			return tracks, err
		}
		t := &track{src: src}
		tracks = append(tracks, t)
		k := kindOf(codec)
		if other, dup := seen[k]; dup {
			return tracks, fmt.Errorf("%w: %s and %s", ErrTooManyTracks, other, f)
		}
		seen[k] = f
		if t.rtp, err = newPacketizer(codec); err != nil {
			return tracks, err
		}
		if t.local, err = webrtc.NewTrackLocalStaticRTP(codec, k.String(), "atelier-publish"); err != nil {
			return tracks, fmt.Errorf("whipclient: %w", err)
		}
		t.out = t.local
	}
	return tracks, nil
}

func closeTracks(tracks []*track) {
	for _, t := range tracks {
		_ = t.src.close()
	}
}

func kindOf(c webrtc.RTPCodecCapability) webrtc.RTPCodecType {
	if c.MimeType == webrtc.MimeTypeOpus {
		return webrtc.RTPCodecTypeAudio
	}
	return webrtc.RTPCodecTypeVideo
}

// run negotiates, waits for the connection and sends the files.
func (p *publication) run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	connected := make(chan struct{})
	var once sync.Once
	p.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			once.Do(func() { close(connected) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			cancel(fmt.Errorf("%w: %s", ErrConnectionLost, s))
		}
	})
	if err := p.addTracks(); err != nil {
		return err
	}
	sess, err := p.negotiate(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err := sess.delete(ctx); err != nil {
			p.log.Warn("WHIP DELETE failed", "err", err)
		}
	}()
	t := time.NewTimer(p.opts.ConnectTimeout)
	defer t.Stop()
	select {
	case <-connected:
	case <-t.C:
		return ErrNotConnected
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	p.log.Info("publishing", "resource", sess.resource.String())
	return p.send(ctx, cancel)
}

// addTracks adds a send-only transceiver per track, offering only its
// codec, an RTCP reader per sender, and the context data channel.
func (p *publication) addTracks() error {
	for _, t := range p.tracks {
		tr, err := p.pc.AddTransceiverFromTrack(t.local, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return fmt.Errorf("whipclient: add track: %w", err)
		}
		if err := tr.SetCodecPreferences([]webrtc.RTPCodecParameters{{RTPCodecCapability: t.local.Codec()}}); err != nil {
			return fmt.Errorf("whipclient: codec: %w", err)
		}
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.readRTCP(tr.Sender()) }()
	}
	if p.opts.Context == nil {
		return nil
	}
	dc, err := p.pc.CreateDataChannel(media.ContextLabel, nil)
	if err != nil {
		return fmt.Errorf("whipclient: data channel: %w", err)
	}
	p.dc, p.opened = dc, make(chan struct{})
	dc.OnOpen(func() { close(p.opened) })
	return nil
}

// readRTCP runs the sender's interceptors and reports keyframe requests
// and receiver reports.
func (p *publication) readRTCP(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt := pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				if p.opts.OnKeyframeRequest != nil {
					p.opts.OnKeyframeRequest()
				}
			case *rtcp.ReceiverReport:
				for _, r := range pkt.Reports {
					if p.opts.OnReceiverReport != nil {
						p.opts.OnReceiverReport(r)
					}
				}
			}
		}
	}
}

// negotiate posts the offer (without candidates: they follow by PATCH),
// applies the answer and starts trickling.
func (p *publication) negotiate(ctx context.Context) (*session, error) {
	cands := make(chan *webrtc.ICECandidate, 256)
	p.pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		select {
		case cands <- c:
		default:
		}
	})
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return nil, fmt.Errorf("whipclient: offer: %w", err)
	}
	if err := p.pc.SetLocalDescription(offer); err != nil {
		return nil, fmt.Errorf("whipclient: offer: %w", err)
	}
	sess, answer, err := post(ctx, p.opts.HTTPClient, p.opts.URL, p.opts.Token, offer.SDP)
	if err != nil {
		return nil, err
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		_ = sess.delete(ctx)
		return nil, fmt.Errorf("whipclient: answer: %w", err)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := sess.trickle(ctx, p.pc, cands); err != nil {
			p.log.Warn("trickle ICE failed", "err", err)
		}
	}()
	return sess, nil
}

// send paces every track (and the context samples) until the files end or
// ctx ends.
func (p *publication) send(ctx context.Context, cancel context.CancelCauseFunc) error {
	var wg sync.WaitGroup
	errs := make([]error, len(p.tracks))
	for i, t := range p.tracks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = t.pace(ctx, p.opts.Loop); errs[i] != nil {
				cancel(errs[i])
			}
		}()
	}
	sctx, stopSamples := context.WithCancel(ctx)
	samplesDone := make(chan struct{})
	go func() { defer close(samplesDone); p.sendSamples(sctx) }()
	wg.Wait() // the tracks end by themselves (files played) or with ctx
	stopSamples()
	<-samplesDone
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return context.Cause(ctx)
}
