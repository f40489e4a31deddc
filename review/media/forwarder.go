package media

import (
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// kind is a track slot of a session: one video and one audio track at
// most, as WHIP and WHEP allow (RFC 9725 §4.5.2).
type kind int

const (
	kindVideo kind = iota
	kindAudio
	numKinds
)

func kindOf(t webrtc.RTPCodecType) (kind, bool) {
	switch t {
	case webrtc.RTPCodecTypeVideo:
		return kindVideo, true
	case webrtc.RTPCodecTypeAudio:
		return kindAudio, true
	}
	return 0, false
}

func (k kind) String() string { return [...]string{"video", "audio"}[k] }

func (k kind) codecType() webrtc.RTPCodecType {
	return [...]webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio}[k]
}

// forwarder fans one publisher track out to its viewers. Its goroutine
// (run) reads the track and hands each packet to every viewer's queue
// without waiting; for video it keeps the packets since the last keyframe
// (the GOP cache) that a joining viewer is sent first, the video clock,
// and the recent packets that answer viewers' NACKs (the history).
type forwarder struct {
	kind     kind
	codec    webrtc.RTPCodecParameters
	receiver *webrtc.RTPReceiver
	keyframe func(payload []byte) bool // nil: no GOP cache (audio)
	maxCache int
	clock    *clock   // nil for audio
	hist     *history // video packets for NACKs; nil for audio
	log      *slog.Logger
	packets  atomic.Uint64
	sink     PacketSink                  // set before run; nil: none
	pubClock atomic.Pointer[senderClock] // the publisher's latest sender report

	mu    sync.Mutex
	sinks []*viewer // copy-on-write: forward iterates a snapshot
	gop   []*rtp.Packet
	gopTS uint32
	gopOK bool
}

func newForwarder(k kind, codec webrtc.RTPCodecParameters, recv *webrtc.RTPReceiver, maxCache int, log *slog.Logger) *forwarder {
	f := &forwarder{kind: k, codec: codec, receiver: recv, maxCache: maxCache, log: log.With("track", k.String(), "codec", codec.MimeType)}
	if k == kindVideo {
		f.keyframe = keyframeDetector(codec.MimeType)
		f.clock = &clock{rate: codec.ClockRate}
		f.hist = &history{}
	}
	return f
}

// keyframeDetector returns the keyframe test of a video codec.
func keyframeDetector(mime string) func([]byte) bool {
	for _, c := range videoCodecs {
		if strings.EqualFold(c.mime, mime) {
			return c.keyframe
		}
	}
	return nil
}

// run forwards track's packets until the track ends (its peer connection
// closes). A track whose codec is not the one negotiated is not forwarded.
func (f *forwarder) run(track *webrtc.TrackRemote) {
	defer f.endSink()
	if c := track.Codec(); !strings.EqualFold(c.MimeType, f.codec.MimeType) {
		f.log.Warn("publisher sends another codec than it negotiated; not forwarded", "sent", c.MimeType)
		return
	}
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		f.forward(pkt)
	}
}

// readRTCP reads the publisher's RTCP for the track (media SSRC ssrc)
// until its peer connection closes. Reading it is what runs pion's
// interceptors on it: the receiver-report interceptor learns each sender
// report, so the reports the engine sends back carry LSR and DLSR and the
// publisher can measure its round trip (unread, they stay zero). The
// track's sender reports are kept (pubClock): viewers' sender reports carry
// the publisher's clock on from them (senderreport.go). They also go to
// srs, if not nil (the recorder).
func (f *forwarder) readRTCP(ssrc uint32, srs SenderReportSink) {
	for {
		pkts, _, err := f.receiver.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == ssrc {
				f.pubClock.Store(&senderClock{ntp: sr.NTPTime, rtp: sr.RTPTime, rate: f.codec.ClockRate, at: time.Now()})
				if srs != nil {
					srs.WriteSenderReport(sr.NTPTime, sr.RTPTime)
				}
			}
		}
	}
}

// endSink tells the sink (if any) that the track ended, once.
func (f *forwarder) endSink() {
	if f.sink != nil {
		f.sink.End()
		f.sink = nil
	}
}

// tap gives the sink its copy of pkt (viewers' writers change theirs); a
// sink that fails is dropped and logged.
func (f *forwarder) tap(pkt *rtp.Packet) {
	if f.sink == nil {
		return
	}
	if err := f.sink.WriteRTP(pkt.Clone()); err != nil {
		f.log.Warn("packet sink failed; no more packets for it", "err", err)
		f.endSink()
	}
}

// forward hands pkt to every viewer. Header extensions are the
// publisher's, negotiated with ids viewers do not share, so they are
// dropped; the viewer's own interceptors add theirs.
func (f *forwarder) forward(pkt *rtp.Packet) {
	at := time.Now()
	pkt.Header.Extension = false
	pkt.Header.Extensions = nil
	f.tap(pkt) // before viewers' goroutines see pkt
	f.packets.Add(1)
	if f.clock != nil {
		f.clock.advance(pkt.Timestamp, time.Now())
	}
	if f.hist != nil {
		f.hist.put(pkt)
	}
	f.mu.Lock()
	f.cache(pkt)
	sinks := f.sinks
	f.mu.Unlock()
	for _, v := range sinks {
		v.enqueue(f.kind, pkt, at)
	}
}

// cache keeps pkt in the GOP cache: a keyframe of a new timestamp starts
// it again; a group longer than maxCache packets is not kept.
func (f *forwarder) cache(pkt *rtp.Packet) {
	if f.keyframe == nil {
		return
	}
	if f.keyframe(pkt.Payload) && (!f.gopOK || pkt.Timestamp != f.gopTS) {
		clear(f.gop)
		f.gop, f.gopTS, f.gopOK = f.gop[:0], pkt.Timestamp, true
	}
	if !f.gopOK {
		return
	}
	if len(f.gop) == f.maxCache {
		clear(f.gop)
		f.gop, f.gopOK = f.gop[:0], false
		return
	}
	f.gop = append(f.gop, pkt)
}

// attach adds v to the viewers and returns the GOP cache, in one step, so
// that v gets every packet after the cache exactly once.
func (f *forwarder) attach(v *viewer) []*rtp.Packet {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sinks = append(slices.Clip(f.sinks), v)
	if !f.gopOK {
		return nil
	}
	return slices.Clone(f.gop)
}

// detach removes v from the viewers.
func (f *forwarder) detach(v *viewer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sinks = slices.DeleteFunc(slices.Clone(f.sinks), func(s *viewer) bool { return s == v })
}

// cached returns the number of packets in the GOP cache.
func (f *forwarder) cached() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.gop)
}

// VideoClock relates the publisher's video RTP timestamps to media time.
// Viewers receive the publisher's timestamps unchanged, so a timestamp a
// viewer reports (a browser's requestVideoFrameCallback rtpTimestamp)
// converts with MediaTimeOf.
type VideoClock struct {
	// RTPTimestamp is the timestamp of the latest forwarded video packet.
	RTPTimestamp uint32
	// MediaTime is seconds from the first forwarded video packet to
	// RTPTimestamp, from timestamp deltas (wraparound handled) and the
	// clock rate.
	MediaTime float64
	// ClockRate is the video clock rate (90000).
	ClockRate uint32
	// At is when the latest packet was forwarded.
	At    time.Time
	ticks int64
}

// MediaTimeOf returns the media time of a video RTP timestamp near the
// latest one (within half the 32-bit range, about 6.6 hours at 90 kHz).
func (c VideoClock) MediaTimeOf(ts uint32) float64 {
	if c.ClockRate == 0 {
		return 0
	}
	return float64(c.ticks+int64(int32(ts-c.RTPTimestamp))) / float64(c.ClockRate)
}

// clock tracks a track's extended RTP timestamp.
type clock struct {
	rate uint32

	mu      sync.Mutex
	started bool
	last    uint32
	ticks   int64 // since the first packet
	at      time.Time
}

// advance takes a packet's timestamp; older (reordered) ones are ignored.
func (c *clock) advance(ts uint32, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		c.started, c.last, c.at = true, ts, now
		return
	}
	if d := int32(ts - c.last); d > 0 {
		c.ticks += int64(d)
		c.last, c.at = ts, now
	}
}

func (c *clock) read() (VideoClock, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started || c.rate == 0 {
		return VideoClock{}, false
	}
	return VideoClock{
		RTPTimestamp: c.last, MediaTime: float64(c.ticks) / float64(c.rate),
		ClockRate: c.rate, At: c.at, ticks: c.ticks,
	}, true
}
