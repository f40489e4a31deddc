package media

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// Role says whether a session publishes (WHIP) or views (WHEP).
type Role int

const (
	// RolePublisher is the one WHIP session of a room.
	RolePublisher Role = iota + 1
	// RoleViewer is a WHEP session.
	RoleViewer
)

// Session describes a live WHIP or WHEP session of a room.
type Session struct {
	// ID is the session's resource id.
	ID ResourceID
	// Role says whether it publishes or views.
	Role Role
	// ETag is the entity-tag of its ICE session (RFC 9725 §4.3.1), without
	// quotes.
	ETag string
}

// Room is one publisher and its viewers. Sessions start with Publish and
// Subscribe and end with Remove, with their peer connection failing, or
// with Close. When the publisher ends, its viewers end too: a viewer
// watches one publication, and re-subscribes (WHEP answers 409 until a new
// publisher comes). All methods are safe for concurrent use.
type Room struct {
	id      RoomID
	eng     *Engine
	opts    RoomOptions
	log     *slog.Logger
	samples *sampleLog
	clock   atomic.Pointer[clock] // the latest publication's video clock

	mu        sync.Mutex
	closed    bool
	pending   bool // a Publish is negotiating
	pub       *publisher
	latency   latencyHist // forwarding latency of every viewer's packets
	viewers   map[ResourceID]*viewer
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// ID returns the room's id.
func (r *Room) ID() RoomID { return r.id }

// goLocked starts f as a tracked goroutine, unless the room is closed
// (false). r.mu must be held.
func (r *Room) goLocked(f func()) bool {
	if r.closed {
		return false
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f()
	}()
	return true
}

// spawn starts f as a tracked goroutine, unless the room is closed.
func (r *Room) spawn(f func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.goLocked(f)
}

// Publish starts the room's WHIP session from an SDP offer and returns the
// answer, with every ICE candidate, and the session's resource id. It
// returns ErrPublisherExists while another publisher is live or
// negotiating, ErrBadOffer or ErrUnsupportedCodec for an offer it cannot
// take, ErrGatherTimeout, ErrRoomClosed, or ctx's error.
func (r *Room) Publish(ctx context.Context, offer string) (string, ResourceID, error) {
	if err := checkOffer(offer); err != nil {
		return "", "", err
	}
	r.mu.Lock()
	switch {
	case r.closed:
		r.mu.Unlock()
		return "", "", ErrRoomClosed
	case r.pub != nil || r.pending:
		r.mu.Unlock()
		return "", "", ErrPublisherExists
	}
	r.pending = true
	r.mu.Unlock()

	p, answer, err := r.negotiatePublisher(ctx, offer)
	if err == nil {
		err = r.startPublisher(p)
	} else {
		r.mu.Lock()
		r.pending = false
		r.mu.Unlock()
	}
	if err != nil {
		if p != nil {
			_ = p.pc.Close()
		}
		return "", "", err
	}
	r.log.Info("publisher joined", "session", p.id)
	return answer, p.id, nil
}

// startPublisher makes p the room's publisher and starts its goroutine.
func (r *Room) startPublisher(p *publisher) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = false
	if r.closed {
		return ErrRoomClosed
	}
	r.pub = p
	if f := p.fwd[kindVideo]; f != nil {
		r.clock.Store(f.clock)
	}
	r.goLocked(func() { r.runPublisher(p) })
	return nil
}

// runPublisher drops a publisher that does not connect in time, then sends
// it keyframe requests until it ends.
func (r *Room) runPublisher(p *publisher) {
	if !p.waitConnected(r.eng.cfg.ConnectTimeout) {
		r.endPublication(p, "did not connect")
		return
	}
	if f := r.opts.OnPublisher; f != nil {
		f(r.id, true)
	}
	p.keyframes()
}

// Live reports whether a publisher is streaming (connected or connecting).
func (r *Room) Live() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pub != nil
}

// RequestKeyframe asks the publisher for a keyframe (throttled like
// viewers' requests); nothing happens without a publisher.
func (r *Room) RequestKeyframe() {
	r.mu.Lock()
	p := r.pub
	r.mu.Unlock()
	if p != nil {
		p.requestKeyframe()
	}
}

// Subscribe starts a WHEP session from an SDP offer and returns the answer,
// with every ICE candidate, and the session's resource id. The viewer gets
// the publisher's tracks its offer can receive: ErrUnsupportedCodec if
// none. ErrNoPublisher means nobody publishes (or the publisher is still
// negotiating); retry later.
func (r *Room) Subscribe(ctx context.Context, offer string) (string, ResourceID, error) {
	if err := checkOffer(offer); err != nil {
		return "", "", err
	}
	pub, err := r.publisherForViewer()
	if err != nil {
		return "", "", err
	}
	v, answer, err := r.negotiateViewer(ctx, pub, offer)
	if err == nil {
		err = r.startViewer(v)
	}
	if err != nil {
		if v != nil {
			_ = v.pc.Close()
		}
		return "", "", err
	}
	return answer, v.id, nil
}

// startViewer adds v to the room, if its publisher is still live, and
// starts its goroutines.
func (r *Room) startViewer(v *viewer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.admitLocked(v.pub); err != nil {
		return err
	}
	r.viewers[v.id] = v
	r.goLocked(func() { r.runViewer(v) })
	for _, s := range v.senders {
		r.goLocked(func() { v.readRTCP(s) })
	}
	return nil
}

// publisherForViewer returns the live publisher if a viewer may join.
func (r *Room) publisherForViewer() (*publisher, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pub, r.admitLocked(r.pub)
}

// admitLocked checks that a viewer of pub may join now. r.mu must be held.
func (r *Room) admitLocked(pub *publisher) error {
	switch {
	case r.closed:
		return ErrRoomClosed
	case r.pub == nil || r.pub != pub:
		return ErrNoPublisher
	case len(r.viewers) >= r.eng.cfg.MaxViewers:
		return fmt.Errorf("%w: the room holds %d", ErrTooManyViewers, len(r.viewers))
	}
	return nil
}

// runViewer waits for the viewer to connect, attaches it to the
// publisher's forwarders, asks for a keyframe, and writes its packets
// until it ends.
func (r *Room) runViewer(v *viewer) {
	if !v.waitConnected(r.eng.cfg.ConnectTimeout) {
		r.removeViewer(v, "did not connect")
		return
	}
	backlog := v.pub.attach(v)
	v.pub.requestKeyframe()
	v.pump(backlog)
}

// Trickle applies a PATCH body (application/trickle-ice-sdpfrag) to a
// session: its candidates are added (RFC 9725 §4.3.1). ErrBadFragment for
// a malformed fragment, ErrICERestart for new ICE credentials,
// ErrResourceNotFound for an unknown session.
func (r *Room) Trickle(id ResourceID, frag string) error {
	f, err := parseFragment(frag)
	if err != nil {
		return err
	}
	pc, ok := r.peer(id)
	if !ok {
		return ErrResourceNotFound
	}
	return applyFragment(pc, f)
}

// peer returns a live session's peer connection.
func (r *Room) peer(id ResourceID) (*webrtc.PeerConnection, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pub != nil && r.pub.id == id {
		return r.pub.pc, true
	}
	if v, ok := r.viewers[id]; ok {
		return v.pc, true
	}
	return nil, false
}

// Session returns a live session of the room.
func (r *Room) Session(id ResourceID) (Session, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pub != nil && r.pub.id == id {
		return Session{ID: id, Role: RolePublisher, ETag: r.pub.etag}, true
	}
	if v, ok := r.viewers[id]; ok {
		return Session{ID: id, Role: RoleViewer, ETag: v.etag}, true
	}
	return Session{}, false
}

// Remove ends a session (WHIP or WHEP DELETE). Removing the publisher ends
// its viewers too. ErrResourceNotFound for an unknown session.
func (r *Room) Remove(id ResourceID) error {
	r.mu.Lock()
	p := r.pub
	v := r.viewers[id]
	r.mu.Unlock()
	switch {
	case p != nil && p.id == id:
		r.endPublication(p, "deleted")
	case v != nil:
		r.removeViewer(v, "deleted")
	default:
		return ErrResourceNotFound
	}
	return nil
}

// endPublication ends p and every viewer of the room.
func (r *Room) endPublication(p *publisher, reason string) {
	r.mu.Lock()
	if r.pub != p {
		r.mu.Unlock()
		return
	}
	r.pub = nil
	viewers := r.viewers
	r.viewers = map[ResourceID]*viewer{}
	r.mu.Unlock()
	r.log.Info("publisher left", "session", p.id, "reason", reason, "viewers", len(viewers))
	if f := r.opts.OnPublisher; f != nil {
		f(r.id, false)
	}
	p.end()
	for _, v := range viewers {
		v.end()
		_ = v.pc.Close()
	}
	_ = p.pc.Close()
}

// removeViewer ends one viewer.
func (r *Room) removeViewer(v *viewer, reason string) {
	r.mu.Lock()
	if r.viewers[v.id] != v {
		r.mu.Unlock()
		return
	}
	delete(r.viewers, v.id)
	r.mu.Unlock()
	r.log.Debug("viewer left", "session", v.id, "reason", reason)
	v.pub.detach(v)
	v.end()
	_ = v.pc.Close()
}

// Close ends every session and waits for the room's goroutines. It is
// idempotent; later sessions are refused with ErrRoomClosed.
func (r *Room) Close() error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		p := r.pub
		r.mu.Unlock()
		if p != nil {
			r.endPublication(p, "room closed")
		}
	})
	r.wg.Wait()
	return nil
}

// Context returns the latest context sample.
func (r *Room) Context() (ContextSample, bool) { return r.samples.latest() }

// Samples returns the kept context samples, oldest first
// (Config.SampleHistory at most).
func (r *Room) Samples() []ContextSample { return r.samples.all() }

// VideoClock returns the latest forwarded video RTP timestamp and its media
// time, of the current publication or else the last one; false before any
// video.
func (r *Room) VideoClock() (VideoClock, bool) {
	c := r.clock.Load()
	if c == nil {
		return VideoClock{}, false
	}
	return c.read()
}

// receiveSample takes one data channel message.
func (r *Room) receiveSample(data []byte) {
	s, err := parseSample(data)
	if err != nil {
		r.samples.reject()
		r.log.Debug("context sample dropped", "err", err)
		return
	}
	s.ReceivedAt = time.Now()
	r.samples.add(s)
	if r.opts.OnSample != nil {
		r.opts.OnSample(r.id, s)
	}
}

// Stats are a room's counters.
type Stats struct {
	// Publishing reports whether a publisher is live.
	Publishing bool
	// PacketsIn counts the RTP packets read from the current publisher.
	PacketsIn uint64
	// KeyframeRequests counts the keyframe requests of viewers (PLI, FIR)
	// and of joins, for the current publisher.
	KeyframeRequests uint64
	// PLIsSent counts the PLIs sent to the current publisher (throttled to
	// one per Config.KeyframeInterval).
	PLIsSent uint64
	// GOPCached is the number of video packets cached for joiners.
	GOPCached int
	// Viewers are the live viewers' counters.
	Viewers []ViewerStats
	// SamplesReceived and SamplesRejected count context samples.
	SamplesReceived, SamplesRejected uint64
	// ForwardP50 and ForwardP99 are the SFU's own forwarding latency over
	// every packet written to a viewer since the room was made: from the
	// packet read from the publisher to the viewer's write returning
	// (within 10%), 0 before any.
	ForwardP50, ForwardP99 time.Duration
	// Forwarded counts the packets those figures are over.
	Forwarded uint64
	// Forwarding is the histogram those figures come from; the difference
	// of two snapshots (Since) gives the latency of a time window.
	Forwarding LatencyHistogram
}

// Stats returns the room's counters.
func (r *Room) Stats() Stats {
	r.mu.Lock()
	p := r.pub
	viewers := make([]*viewer, 0, len(r.viewers))
	for _, v := range r.viewers {
		viewers = append(viewers, v)
	}
	r.mu.Unlock()
	var st Stats
	st.Forwarding = r.latency.snapshot()
	st.ForwardP50, st.ForwardP99, st.Forwarded = st.Forwarding.Quantile(0.5), st.Forwarding.Quantile(0.99), st.Forwarding.Count()
	if p != nil {
		st.Publishing, st.PacketsIn = true, p.packetsIn()
		st.KeyframeRequests, st.PLIsSent = p.requests.Load(), p.plis.Load()
		if f := p.fwd[kindVideo]; f != nil {
			st.GOPCached = f.cached()
		}
	}
	for _, v := range viewers {
		st.Viewers = append(st.Viewers, v.stats())
	}
	st.SamplesReceived, st.SamplesRejected = r.samples.counts()
	return st
}
