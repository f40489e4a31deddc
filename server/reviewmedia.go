package server

// The review edge's media: one media.Room per review session, made when a
// publisher or viewer first asks for it, mounted as WHIP and WHEP under
// /api/reviews/{id}. Publishing needs the reviewer role (a build
// publishes with a reviewer's token); watching needs the session to be
// visible. A room's publisher going live or ending, and the build's
// context samples (at most a few a second), are announced on the
// session's channel.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"atelier/review"
	"atelier/review/media"
	"atelier/server/auth"
)

// contextEvery is the least time between two context samples sent on a
// session's channel (a build may send many more).
const contextEvery = 250 * time.Millisecond

// reviewMedia holds the media rooms of review sessions.
type reviewMedia struct {
	eng *media.Engine
	svc *review.Service
	log *slog.Logger
	// recs records publications (nil: none); set before any room is made.
	recs *recordings

	mu     sync.Mutex
	rooms  map[review.SessionID]*media.Room
	sent   map[review.SessionID]time.Time // last context sample sent on the channel
	closed bool
}

func newReviewMedia(eng *media.Engine, svc *review.Service, log *slog.Logger) *reviewMedia {
	return &reviewMedia{eng: eng, svc: svc, log: log, rooms: map[review.SessionID]*media.Room{}, sent: map[review.SessionID]time.Time{}}
}

// room returns session id's room, making it if the session exists.
func (m *reviewMedia) room(ctx context.Context, id media.RoomID) (*media.Room, error) {
	sid := review.SessionID(id)
	m.mu.Lock()
	r := m.rooms[sid]
	m.mu.Unlock()
	if r != nil {
		return r, nil
	}
	if _, err := m.svc.Session(ctx, sid); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, review.ErrClosed
	}
	if r = m.rooms[sid]; r == nil {
		opts := media.RoomOptions{OnSample: m.sample, OnPublisher: m.publisher}
		if m.recs != nil {
			opts.OnTrack = m.recs.track
		}
		r = m.eng.NewRoom(id, opts)
		m.rooms[sid] = r
	}
	return r, nil
}

// existing returns session id's room if it has one.
func (m *reviewMedia) existing(id review.SessionID) *media.Room {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rooms[id]
}

func (m *reviewMedia) sample(id media.RoomID, c media.ContextSample) {
	sid := review.SessionID(id)
	if m.recs != nil {
		m.recs.sample(sid, c)
	}
	now := time.Now()
	m.mu.Lock()
	due := now.Sub(m.sent[sid]) >= contextEvery
	if due {
		m.sent[sid] = now
	}
	m.mu.Unlock()
	if due {
		m.svc.Hub().PublishContext(sid, c)
	}
}

func (m *reviewMedia) publisher(id media.RoomID, live bool) {
	m.svc.Hub().PublishMedia(review.SessionID(id), live)
}

// Close closes every room (their publishers and viewers end).
func (m *reviewMedia) Close() {
	m.mu.Lock()
	m.closed = true
	rooms := m.rooms
	m.rooms = map[review.SessionID]*media.Room{}
	m.mu.Unlock()
	for _, r := range rooms {
		_ = r.Close()
	}
}

// mediaRoutes mounts WHIP and WHEP for review sessions.
func (s *Server) mediaRoutes(mux muxer) {
	if s.media == nil {
		return
	}
	media.NewHandler(media.HandlerConfig{
		Rooms:     s.media.room,
		Authorize: s.authorizeMedia,
		StatusOf:  statusOf,
		Logger:    s.log.With("component", "media"),
	}).Register(mux, "/api/reviews/{id}")
}

// authorizeMedia lets reviewers publish to, and whoever sees a session
// watch, the session's stream.
func (s *Server) authorizeMedia(r *http.Request, id media.RoomID, a media.Action) error {
	p, err := s.auth.Authenticate(r)
	if err != nil {
		return fmt.Errorf("%w: %w", media.ErrUnauthorized, err)
	}
	sess, err := s.cfg.Review.Session(r.Context(), review.SessionID(id))
	if err != nil {
		return err
	}
	if !canSee(p, sess.World) {
		return fmt.Errorf("%w: session %s", review.ErrNotFound, id)
	}
	if a == media.ActionPublish && !mayPublish(p, sess) {
		return fmt.Errorf("%w: publishing to a review needs the reviewer role", media.ErrForbidden)
	}
	return nil
}

func mayPublish(p auth.Principal, sess review.Session) bool {
	return defaultReviewRole(p, sess.World) == review.RoleAnnotator
}

// live reports whether a publisher is streaming to session id.
func (s *Server) live(id review.SessionID) bool {
	r := s.media.existing(id)
	return r != nil && r.Live()
}

// mediaTimeOf converts a video RTP timestamp of session id's stream to
// seconds since the stream began (0 when there is no stream).
func (s *Server) mediaTimeOf(id review.SessionID, rtp uint32) float64 {
	r := s.media.existing(id)
	if r == nil {
		return 0
	}
	c, ok := r.VideoClock()
	if !ok {
		return 0
	}
	return c.MediaTimeOf(rtp)
}

// contextSample is the build's latest side-channel sample of a session.
type contextSample struct {
	World  string
	Build  string
	Tick   int64
	Camera *review.Camera
	Nodes  []string
}

// latestContext returns the build's latest context sample of session id.
func (s *Server) latestContext(id review.SessionID) (contextSample, bool) {
	r := s.media.existing(id)
	if r == nil {
		return contextSample{}, false
	}
	c, ok := r.Context()
	if !ok {
		return contextSample{}, false
	}
	return contextOf(c), true
}

// contextOf converts a build's side-channel sample.
func contextOf(c media.ContextSample) contextSample {
	out := contextSample{World: c.World, Build: c.Build, Tick: c.Tick, Nodes: c.Nodes}
	if c.Camera != nil && len(c.Camera.P) == 3 && len(c.Camera.Q) == 4 {
		out.Camera = &review.Camera{P: [3]float64(c.Camera.P), Q: [4]float64(c.Camera.Q)}
	}
	return out
}
