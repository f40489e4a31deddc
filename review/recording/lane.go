package recording

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// outboundMTU matches pion's TrackLocalStaticSample packetization size.
const outboundMTU = 1200

// lane sends one track of a recording to the shared TrackLocalStaticRTP.
// It packetizes itself (rather than using TrackLocalStaticSample) so that it
// knows each frame's outgoing RTP timestamp exactly: viewers report the
// timestamp of the frame they show, and Player.MediaTimeAt turns it back into
// media time.
type lane struct {
	kind   string
	track  *webrtc.TrackLocalStaticRTP
	pk     rtp.Packetizer
	clock  uint32
	frames []Frame
	src    frameSource // opened by Player.Start
	log    *slog.Logger

	next     int       // position of the next frame to send
	outTS    uint32    // outgoing timestamp of the last frame sent (the packetizer's)
	sentAny  bool      // whether any frame was sent
	lastPos  int       // position of the last frame sent
	lastWall time.Time // when it was sent
	cont     bool      // whether the next frame follows the last one without a jump
}

func newLane(kind string, info *TrackInfo, frames []Frame, streamID string, log *slog.Logger) (*lane, error) {
	c, err := codecOf(kind, info.Codec)
	if err != nil {
		return nil, err
	}
	capability, payloader := codecPlayback(c)
	track, err := webrtc.NewTrackLocalStaticRTP(capability, kind, streamID)
	if err != nil {
		return nil, fmt.Errorf("recording: %s track: %w", kind, err)
	}
	base := rand.Uint32() //nolint:gosec // an RTP timestamp origin, not a secret.
	pk := rtp.NewPacketizerWithOptions(outboundMTU, payloader, rtp.NewRandomSequencer(),
		capability.ClockRate, rtp.WithTimestamp(base))
	return &lane{kind: kind, track: track, pk: pk, clock: capability.ClockRate, frames: frames,
		log: log.With("kind", kind), outTS: base, lastPos: -1}, nil
}

func codecPlayback(c codec) (webrtc.RTPCodecCapability, rtp.Payloader) {
	switch c {
	case codecVP8:
		return capVP8, &codecs.VP8Payloader{EnablePictureID: true}
	case codecVP9:
		return capVP9, &codecs.VP9Payloader{}
	case codecH264:
		return capH264, &codecs.H264Payloader{}
	default:
		return capOpus, &codecs.OpusPayloader{}
	}
}

// done says whether every frame has been sent.
func (l *lane) done() bool { return l.next >= len(l.frames) }

// nextTime is the media time of the next frame to send.
func (l *lane) nextTime() float64 { return l.frames[l.next].MediaTime }

// jump makes pos the next frame, sent with a timestamp gap that follows the
// wall clock rather than the recording.
func (l *lane) jump(pos int) {
	l.next, l.cont = pos, false
}

// send reads and sends the next frame and returns its outgoing timestamp.
// Frames that follow each other keep the recording's timestamp spacing; after
// a pause or a seek the timestamp advances by the wall time that passed, so
// receivers see time that only moves forward.
func (l *lane) send(now time.Time) (Frame, uint32, error) {
	pos := l.next
	fr := l.frames[pos]
	data, err := l.src.readFrame(pos)
	if err != nil {
		return fr, 0, err
	}
	ts := l.outTS
	switch {
	case !l.sentAny:
	case l.cont && pos == l.lastPos+1:
		ts += fr.RTPTimestamp - l.frames[l.lastPos].RTPTimestamp
	default:
		ticks := now.Sub(l.lastWall).Seconds() * float64(l.clock)
		ts += uint32(min(max(1, ticks), 1<<30))
	}
	l.pk.SkipSamples(ts - l.outTS)
	for _, p := range l.pk.Packetize(data, 0) {
		if err := l.track.WriteRTP(p); err != nil {
			l.log.Debug("playback write", "err", err)
		}
	}
	l.outTS, l.sentAny, l.lastPos, l.lastWall, l.cont, l.next = ts, true, pos, now, true, pos+1
	return fr, ts, nil
}
