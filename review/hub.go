package review

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Message types a Hub sends.
const (
	// MessageSnapshot is a subscription's first message: State and Present.
	MessageSnapshot = "snapshot"
	// MessageState is a new playback state (State), newer than any sent
	// before it.
	MessageState = "state"
	// MessagePresence says User's first subscription began (Event "join")
	// or their last ended ("leave").
	MessagePresence = "presence"
	// MessageAnnotation is an annotation created (Event "created") or whose
	// frame arrived ("frame").
	MessageAnnotation = "annotation"
	// MessageTask is a task "created" or "updated" (Event).
	MessageTask = "task"
	// MessageContext is the build's latest side-channel sample (Sample):
	// camera pose, world, build and tick at a media time.
	MessageContext = "context"
	// MessageMedia says a publisher started (Event "live") or stopped
	// ("ended") streaming to the session, or that a recording of it is
	// finished ("recorded", Recording) or was deleted ("deleted").
	MessageMedia = "media"
	// MessagePlayback is a recording's playback state (Recording,
	// Playback): playing or paused, media time, frame, RTP timestamp.
	MessagePlayback = "playback"
)

// Message is what a Hub sends a subscriber, as JSON; Type says which
// fields are set.
type Message struct {
	Type       string         `json:"type"`
	Event      string         `json:"event,omitempty"`
	State      *PlaybackState `json:"state,omitempty"`
	Present    []string       `json:"present,omitempty"` // users subscribed, sorted
	User       string         `json:"user,omitempty"`
	Annotation *Annotation    `json:"annotation,omitempty"`
	Task       *Task          `json:"task,omitempty"`
	Sample     any            `json:"sample,omitempty"`
	Recording  string         `json:"recording,omitempty"`
	Playback   any            `json:"playback,omitempty"`
}

// Hub fans each session's changes out to its subscribers. Every subscriber
// has a bounded queue; one that falls behind is dropped (its channel
// closed, Err ErrSlowSubscriber) and never holds the others up. It is safe
// for concurrent use.
type Hub struct {
	log   *slog.Logger
	queue int

	mu       sync.Mutex
	channels map[SessionID]*channel
	closed   bool
	dropped  atomic.Int64
}

// channel is one session's subscribers.
type channel struct {
	state   *PlaybackState         // the newest state sent or snapshotted
	subs    map[*Subscription]bool // active and pending
	present map[string]int         // active subscriptions per user
}

// Subscription is one subscriber's feed. C delivers JSON messages,
// starting with a snapshot; it is closed when the subscription ends (Err
// says why).
type Subscription struct {
	// C delivers the messages in order.
	C <-chan []byte

	c       chan []byte
	hub     *Hub
	session SessionID
	user    string

	// Guarded by hub.mu.
	active  bool
	pending []outgoing // sent before the snapshot
	version int64      // of the newest state sent
	ended   bool
	err     error
}

// outgoing is an encoded message; version is its state's, 0 for others.
type outgoing struct {
	data    []byte
	version int64
}

// NewHub returns a hub whose subscribers may fall queue messages behind
// (after their snapshot) before they are dropped.
func NewHub(log *slog.Logger, queue int) *Hub {
	return &Hub{log: log, queue: max(queue, 1), channels: map[SessionID]*channel{}}
}

// Subscribe subscribes user to session id. load returns the current state
// (and whether user may subscribe); it is called after the subscription
// is registered, so that no change is missed between the snapshot and the
// first message. ErrClosed once the hub is closed.
func (h *Hub) Subscribe(id SessionID, user string, load func() (PlaybackState, error)) (*Subscription, error) {
	sub, err := h.attach(id, user)
	if err != nil {
		return nil, err
	}
	p, err := load()
	if err == nil {
		err = h.activate(sub, p)
	}
	if err != nil {
		sub.Close()
		return nil, err
	}
	return sub, nil
}

// Subscribe subscribes user, a member of session id (ErrForbidden
// otherwise), to its messages: first a snapshot of the shared state and
// who is present, then every change.
func (s *Service) Subscribe(ctx context.Context, id SessionID, user string) (*Subscription, error) {
	if err := s.open(); err != nil {
		return nil, err
	}
	if err := checkUser(user); err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", id, err)
	}
	return s.hub.Subscribe(id, user, func() (PlaybackState, error) {
		r, err := s.loadSession(ctx, id)
		if err != nil {
			return PlaybackState{}, err
		}
		p := toPlayback(r.State)
		if _, member := p.Role(user); !member {
			return p, fmt.Errorf("%w: %s is not a member of session %s", ErrForbidden, user, id)
		}
		return p, nil
	})
}

// attach registers a pending subscription: it queues what is published
// until activate sends the snapshot.
func (h *Hub) attach(id SessionID, user string) (*Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	ch := h.channels[id]
	if ch == nil {
		ch = &channel{subs: map[*Subscription]bool{}, present: map[string]int{}}
		h.channels[id] = ch
	}
	c := make(chan []byte, h.queue+1) // the snapshot, then the queue
	sub := &Subscription{C: c, c: c, hub: h, session: id, user: user}
	ch.subs[sub] = true
	return sub, nil
}

// activate sends sub its snapshot, the newer of p and the state last sent,
// then what was queued meanwhile, and announces sub's user if they were
// not present.
func (h *Hub) activate(sub *Subscription, p PlaybackState) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if sub.ended {
		return sub.err
	}
	ch := h.channels[sub.session]
	if ch.state != nil && ch.state.Version > p.Version {
		p = *ch.state
	}
	ch.state = &p
	if ch.present[sub.user]++; ch.present[sub.user] == 1 {
		h.deliverLocked(sub.session, ch, outgoing{data: encode(Message{Type: MessagePresence, Event: "join", User: sub.user})}, sub)
	}
	present := make([]string, 0, len(ch.present))
	for u := range ch.present {
		present = append(present, u)
	}
	slices.Sort(present)
	snapshot := encode(Message{Type: MessageSnapshot, State: &p, Present: present})
	sub.active, sub.version = true, p.Version
	sub.c <- snapshot // the queue is empty: pending messages wait in sub.pending
	pending := sub.pending
	sub.pending = nil
	for _, m := range pending {
		if !sub.offer(m, h.queue) {
			h.dropLocked(sub.session, ch, sub)
			return sub.err
		}
	}
	return nil
}

// publishState sends a session's new state to its subscribers, unless a
// state as new was sent already.
func (h *Hub) publishState(id SessionID, p PlaybackState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.channels[id]
	if ch == nil || (ch.state != nil && ch.state.Version >= p.Version) {
		return
	}
	ch.state = &p
	h.deliverLocked(id, ch, outgoing{data: encode(Message{Type: MessageState, State: &p}), version: p.Version}, nil)
}

// PublishContext sends a session's subscribers the build's latest
// side-channel sample (any JSON-encodable value).
func (h *Hub) PublishContext(id SessionID, sample any) {
	h.publish(id, Message{Type: MessageContext, Sample: sample})
}

// PublishMedia tells a session's subscribers that a publisher went live
// (true) or ended (false).
func (h *Hub) PublishMedia(id SessionID, live bool) {
	ev := "ended"
	if live {
		ev = "live"
	}
	h.publish(id, Message{Type: MessageMedia, Event: ev})
}

// PublishPlayback sends a session's subscribers the playback state of
// one of its recordings.
func (h *Hub) PublishPlayback(id SessionID, recording string, state any) {
	h.publish(id, Message{Type: MessagePlayback, Recording: recording, Playback: state})
}

// PublishRecorded tells a session's subscribers that a recording of it
// is finished (Event "recorded", Recording its id).
func (h *Hub) PublishRecorded(id SessionID, recording string) {
	h.publish(id, Message{Type: MessageMedia, Event: "recorded", Recording: recording})
}

// PublishRecordingDeleted tells a session's subscribers that a recording
// of it was deleted (Event "deleted", Recording its id).
func (h *Hub) PublishRecordingDeleted(id SessionID, recording string) {
	h.publish(id, Message{Type: MessageMedia, Event: "deleted", Recording: recording})
}

// publish sends m to a session's subscribers.
func (h *Hub) publish(id SessionID, m Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ch := h.channels[id]; ch != nil {
		h.deliverLocked(id, ch, outgoing{data: encode(m)}, nil)
	}
}

// deliverLocked offers m to every subscriber of ch but except, dropping
// those whose queue is full (and announcing their users' leaving).
func (h *Hub) deliverLocked(id SessionID, ch *channel, m outgoing, except *Subscription) {
	for _, sub := range slices.Collect(maps.Keys(ch.subs)) {
		if sub != except && !sub.ended && !sub.offer(m, h.queue) {
			h.dropLocked(id, ch, sub)
		}
	}
}

// dropLocked ends a subscriber that fell behind.
func (h *Hub) dropLocked(id SessionID, ch *channel, sub *Subscription) {
	h.dropped.Add(1)
	h.log.Warn("review subscriber dropped: queue full", "session", id, "user", sub.user, "queue", h.queue)
	h.endLocked(id, ch, sub, ErrSlowSubscriber)
}

// endLocked ends sub with err, announcing its user's leaving if it was
// their last subscription, and forgets ch once it has no subscribers.
func (h *Hub) endLocked(id SessionID, ch *channel, sub *Subscription, err error) {
	if sub.ended {
		return
	}
	sub.ended, sub.err, sub.pending = true, err, nil
	close(sub.c)
	delete(ch.subs, sub)
	if sub.active {
		if ch.present[sub.user]--; ch.present[sub.user] == 0 {
			delete(ch.present, sub.user)
			h.deliverLocked(id, ch, outgoing{data: encode(Message{Type: MessagePresence, Event: "leave", User: sub.user})}, nil)
		}
	}
	if len(ch.subs) == 0 && h.channels[id] == ch {
		delete(h.channels, id)
	}
}

// offer queues m for sub without blocking; false when sub's queue is full.
// A state not newer than the last sent is skipped.
func (sub *Subscription) offer(m outgoing, limit int) bool {
	if !sub.active {
		if len(sub.pending) >= limit {
			return false
		}
		sub.pending = append(sub.pending, m)
		return true
	}
	if m.version != 0 {
		if m.version <= sub.version {
			return true
		}
		sub.version = m.version
	}
	select {
	case sub.c <- m.data:
		return true
	default:
		return false
	}
}

// Close ends the subscription and closes C. Calling it again does nothing.
func (sub *Subscription) Close() {
	h := sub.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if ch := h.channels[sub.session]; ch != nil {
		h.endLocked(sub.session, ch, sub, nil)
	}
}

// Err returns why the subscription ended: nil while it runs or after
// Close, ErrSlowSubscriber if it was dropped, ErrClosed if the hub closed.
func (sub *Subscription) Err() error {
	sub.hub.mu.Lock()
	defer sub.hub.mu.Unlock()
	return sub.err
}

// User returns the subscribed user.
func (sub *Subscription) User() string { return sub.user }

// Close ends every subscription with ErrClosed; later subscriptions fail.
// Calling it again does nothing.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for id, ch := range h.channels {
		for sub := range ch.subs {
			sub.active = false // no leave announcements to those closing too
			h.endLocked(id, ch, sub, ErrClosed)
		}
	}
}

// Dropped returns how many subscribers were dropped for falling behind.
func (h *Hub) Dropped() int64 { return h.dropped.Load() }

// Subscribers returns the number of subscriptions of session id.
func (h *Hub) Subscribers(id SessionID) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ch := h.channels[id]; ch != nil {
		return len(ch.subs)
	}
	return 0
}

// encode encodes m. Messages hold strings and checked, finite numbers,
// so it cannot fail; if it did, the message would go out as an "error"
// message rather than not at all.
func encode(m Message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"type": "error", "error": err.Error()})
	}
	return b
}
