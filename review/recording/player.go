package recording

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// stampRing is how many sent video frames MediaTimeAt remembers (about two
// minutes at 30 fps).
const stampRing = 4096

// refreshInterval is the least time between two Refresh bursts.
const refreshInterval = time.Second

// PlayerState is what a Player is doing, as the driver and the viewers see it.
type PlayerState struct {
	// Playing is true while frames advance with the clock.
	Playing bool
	// Ended is true when playback ran off the end (and so paused there).
	Ended bool
	// MediaTime is the media time of the last frame sent (the one viewers
	// hold when paused), or where playback will start if none was sent.
	MediaTime float64
	// Frame is the index position of the last video frame sent, -1 if none.
	Frame int
	// RTPTimestamp is the outgoing RTP timestamp of that frame, as every
	// viewer receives it; MediaTimeAt maps it back.
	RTPTimestamp uint32
}

// Player plays one Recording to a group: it writes the recording's frames to
// one shared track per kind, which every viewer's PeerConnection adds, so all
// viewers get the same packets and Play, Pause and Seek apply to everyone.
// One goroutine, started by Start and ended by Close, does all the sending.
type Player struct {
	rec   *Recording
	log   *slog.Logger
	now   func() time.Time
	video *lane // nil without video
	audio *lane // nil without audio
	cmds  chan command
	done  chan struct{} // closed by Close
	quit  chan struct{} // closed when the loop has returned
	wg    sync.WaitGroup

	// Owned by the loop goroutine.
	playing     bool
	anchorWall  time.Time
	anchorMedia float64
	lastRefresh time.Time
	refreshGap  time.Duration // least time between refreshes (refreshInterval)

	mu      sync.Mutex
	started bool
	state   PlayerState
	onState func(PlayerState)
	stamps  []stamp // ring of sent video frames, for MediaTimeAt
	stampAt int

	closeOnce sync.Once
	closeErr  error
	loopErr   error // from closing the sources when the loop returns
}

type stamp struct {
	ts uint32
	t  float64
}

type opKind int

const (
	opPlay opKind = iota + 1
	opPause
	opSeek
	opRefresh
)

type command struct {
	op    opKind
	t     float64
	reply chan reply
}

type reply struct {
	t   float64
	err error
}

// NewPlayer makes a paused player at the start of rec, with its tracks ready
// to add to viewers. It does no I/O and starts nothing; a nil log discards.
func NewPlayer(rec *Recording, log *slog.Logger) (*Player, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := rec.Manifest()
	if m.Video == nil && m.Audio == nil {
		return nil, ErrNoMedia
	}
	p := &Player{rec: rec, log: log.With("recording", m.ID), now: time.Now,
		cmds: make(chan command), done: make(chan struct{}), quit: make(chan struct{}),
		state: PlayerState{Frame: -1}, refreshGap: refreshInterval}
	streamID := "recording-" + string(m.ID)
	var err error
	if m.Video != nil {
		if p.video, err = newLane(KindVideo, m.Video, rec.Frames(), streamID, p.log); err != nil {
			return nil, err
		}
	}
	if m.Audio != nil {
		if p.audio, err = newLane(KindAudio, m.Audio, rec.AudioFrames(), streamID, p.log); err != nil {
			return nil, err
		}
	}
	if k, ok := rec.firstKeyframe(); ok {
		p.state.MediaTime = k.MediaTime
	}
	return p, nil
}

// Tracks returns the shared tracks (video first) that every viewer's
// PeerConnection must add.
func (p *Player) Tracks() []webrtc.TrackLocal {
	var out []webrtc.TrackLocal
	for _, l := range p.lanes() {
		out = append(out, l.track)
	}
	return out
}

func (p *Player) lanes() []*lane {
	var out []*lane
	for _, l := range []*lane{p.video, p.audio} {
		if l != nil {
			out = append(out, l)
		}
	}
	return out
}

// Start opens the media files and starts the player's goroutine, paused at
// the first keyframe. It stops when ctx ends or Close is called.
func (p *Player) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return ErrClosed
	default:
	}
	if p.started {
		return fmt.Errorf("recording: player already started")
	}
	for _, l := range p.lanes() {
		info := p.rec.Manifest().Audio
		if l.kind == KindVideo {
			info = p.rec.Manifest().Video
		}
		src, err := openSource(p.rec.Dir(), info, l.kind, l.frames)
		if err != nil {
			p.closeSources()
			return err
		}
		l.src = src
	}
	if k, ok := p.rec.firstKeyframe(); ok {
		p.seekLanes(k)
	}
	p.started = true
	p.wg.Add(1)
	go p.loop(ctx)
	return nil
}

func (p *Player) closeSources() error {
	var errs []error
	for _, l := range p.lanes() {
		if l.src != nil {
			errs = append(errs, l.src.close())
			l.src = nil
		}
	}
	return errors.Join(errs...)
}

// Close stops the goroutine, waits for it and closes the media files. The
// shared tracks stay valid but receive nothing more. It is idempotent.
func (p *Player) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		close(p.done)
		started := p.started
		p.mu.Unlock()
		p.wg.Wait()
		p.closeErr = p.loopErr
		if !started {
			p.closeErr = p.closeSources()
		}
	})
	return p.closeErr
}

// OnState sets the function called, on the player's goroutine, after every
// Play, Pause, Seek and when playback reaches the end. It must return
// quickly (playback waits for it) and must not call Play, Pause, Seek or
// Refresh itself (State is fine).
func (p *Player) OnState(f func(PlayerState)) {
	p.mu.Lock()
	p.onState = f
	p.mu.Unlock()
}

// State returns the current state.
func (p *Player) State() PlayerState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// MediaTimeAt maps the outgoing RTP timestamp of a video frame a viewer
// received (for example from requestVideoFrameCallback's rtpTimestamp) to
// the frame's media time; ok is false if the frame is not among the last
// 4096 sent. This is how an annotation made on the playback lands at its
// media time.
func (p *Player) MediaTimeAt(rtpTimestamp uint32) (float64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.stamps {
		s := p.stamps[(p.stampAt-1-i+len(p.stamps))%len(p.stamps)]
		if s.ts == rtpTimestamp {
			return s.t, true
		}
	}
	return 0, false
}

// Play starts or resumes playback for every viewer from the frame after the
// one they hold; at the end it starts again from the beginning.
func (p *Player) Play() error {
	_, err := p.do(command{op: opPlay})
	return err
}

// Pause stops playback; viewers hold the last frame. When Pause returns no
// further frame will be sent until Play or Seek.
func (p *Player) Pause() error {
	_, err := p.do(command{op: opPause})
	return err
}

// Seek moves every viewer to the nearest keyframe at or before t (clamped to
// the recording's duration; the first keyframe if t is before it), sends
// that keyframe at once, keeps playing or paused as before, and returns the
// keyframe's media time. A negative t is ErrNegativeSeek.
func (p *Player) Seek(t float64) (float64, error) {
	if t < 0 || math.IsNaN(t) {
		return 0, fmt.Errorf("%w: %v", ErrNegativeSeek, t)
	}
	return p.do(command{op: opSeek, t: t})
}

// Refresh re-sends, back to back, the frames from the keyframe at or before
// the frame the viewers hold up to that frame, so a viewer that joined since
// (and asked for a keyframe with a PLI) can decode the picture the others
// hold; the others decode the same frames again and end on the same picture.
// It does nothing within a second of the last refresh, before any frame was
// sent, or for audio-only playback. Viewers calls it on a viewer's PLI.
func (p *Player) Refresh() error {
	_, err := p.do(command{op: opRefresh})
	return err
}

func (p *Player) do(c command) (float64, error) {
	p.mu.Lock()
	started := p.started
	p.mu.Unlock()
	if !started {
		return 0, ErrNotStarted
	}
	c.reply = make(chan reply, 1)
	select {
	case p.cmds <- c:
	case <-p.quit:
		return 0, ErrClosed
	}
	r := <-c.reply
	return r.t, r.err
}
