package review

import (
	"context"
	"errors"
	"fmt"
	"time"

	"atelier/store"
)

// Session is a review session: what is reviewed and the shared state.
type Session struct {
	ID        SessionID     `json:"id"`
	Title     string        `json:"title"`
	World     store.WorldID `json:"world,omitempty"`
	Build     string        `json:"build,omitempty"`
	CreatedAt time.Time     `json:"createdAt"`
	CreatedBy string        `json:"createdBy"`
	State     PlaybackState `json:"state"`
}

// SessionInput is what a new session is made from: a title, and
// optionally the world and the build under review.
type SessionInput struct {
	Title string        `json:"title"`
	World store.WorldID `json:"world,omitempty"`
	Build string        `json:"build,omitempty"`
}

// check validates in before anything is read or written.
func (in SessionInput) check() error {
	if in.Title == "" {
		return invalid("title", "is empty")
	}
	if err := checkString("title", in.Title, MaxTitle, false); err != nil {
		return err
	}
	if err := checkName("world", string(in.World), false); err != nil {
		return err
	}
	return checkName("build", in.Build, false)
}

// CreateSession creates a session, made by user, with an unguessable id.
// It starts live, with no driver and no members. ErrInvalid if the input
// is bad or names a world that does not exist.
func (s *Service) CreateSession(ctx context.Context, user string, in SessionInput) (Session, error) {
	if err := s.open(); err != nil {
		return Session{}, err
	}
	if err := errors.Join(checkUser(user), in.check()); err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	if err := s.worldExists(ctx, in.World); err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	now := s.now()
	r := store.Review{
		ID: SessionID(newID()), Title: in.Title, World: in.World, Build: in.Build,
		CreatedAt: now, CreatedBy: user,
		State: store.ReviewState{Live: true, UpdatedAt: now, UpdatedBy: user},
	}
	if err := s.st.CreateReview(ctx, r); err != nil {
		return Session{}, storeErr("create session", err)
	}
	s.log.Info("review session created", "session", r.ID, "world", r.World, "user", user)
	return toSession(r), nil
}

// Session returns a session with its current state, or ErrNotFound.
func (s *Service) Session(ctx context.Context, id SessionID) (Session, error) {
	r, err := s.loadSession(ctx, id)
	if err != nil {
		return Session{}, err
	}
	return toSession(r), nil
}

// SessionFilter selects sessions.
type SessionFilter struct {
	// Limit is the most to return, 1 to 500.
	Limit int
	// Scope limits them to the sessions about some worlds: a caller's
	// visibility when it may see only some worlds.
	Scope store.WorldScope
}

// Sessions returns the sessions f selects, newest first.
func (s *Service) Sessions(ctx context.Context, f SessionFilter) ([]Session, error) {
	if err := s.open(); err != nil {
		return nil, err
	}
	if f.Limit < 1 || f.Limit > 500 {
		return nil, fmt.Errorf("list sessions: %w", invalid("limit", "%d is not between 1 and 500", f.Limit))
	}
	rs, err := s.st.ListReviews(ctx, store.ReviewFilter{Limit: f.Limit, Scope: f.Scope})
	if err != nil {
		return nil, storeErr("list sessions", err)
	}
	out := make([]Session, len(rs))
	for i, r := range rs {
		out[i] = toSession(r)
	}
	return out, nil
}

// worldExists returns ErrInvalid unless w is "" or an existing world.
func (s *Service) worldExists(ctx context.Context, w store.WorldID) error {
	if w == "" {
		return nil
	}
	_, err := s.st.GetWorld(ctx, w)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: world %s does not exist: %w", ErrInvalid, w, err)
	}
	if err != nil {
		return fmt.Errorf("world %s: %w", w, err)
	}
	return nil
}

// toSession converts a stored review.
func toSession(r store.Review) Session {
	return Session{ID: r.ID, Title: r.Title, World: r.World, Build: r.Build,
		CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy, State: toPlayback(r.State)}
}
