package review

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"atelier/store"
)

// SessionID identifies a review session: 128 random bits as 26 lowercase
// base32 characters.
type SessionID = store.ReviewID

// AnnotationID identifies an annotation.
type AnnotationID = store.AnnotationID

// TaskID identifies a task.
type TaskID = store.TaskID

// Defaults of Config.
const (
	DefaultMaxPoints       = 2048
	DefaultMaxFrameBytes   = 4 << 20
	DefaultSubscriberQueue = 64
)

// updateAttempts is how many times a read-modify-write of a session's
// state or a task is tried when other writers keep winning the race. Each
// lost race means another write landed, so this bounds how many writes
// to one session may overtake one writer (two servers' drivers and
// annotators acting at once), not a wait.
const updateAttempts = 64

// Config tunes a Service. Zero fields take the defaults.
type Config struct {
	// Webhook announces task changes; no URL, no webhook.
	Webhook WebhookConfig
	// LinkBase is put before deep links' paths ("https://atelier.example"
	// gives absolute links); "" leaves them paths.
	LinkBase string
	// MaxPoints is the most points a freehand shape may have.
	MaxPoints int
	// MaxFrameBytes is the largest frame image accepted.
	MaxFrameBytes int
	// SubscriberQueue is how many messages a subscriber may fall behind
	// before it is dropped.
	SubscriberQueue int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.MaxPoints <= 0 {
		c.MaxPoints = DefaultMaxPoints
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if c.SubscriberQueue <= 0 {
		c.SubscriberQueue = DefaultSubscriberQueue
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.LinkBase = strings.TrimSuffix(c.LinkBase, "/")
	c.Webhook = c.Webhook.withDefaults()
	return c
}

// Service is the review domain: sessions, roles, shared playback state,
// annotations, tasks, events and exports, kept in a store and fanned out
// through a Hub. It is safe for concurrent use.
type Service struct {
	st    store.Store
	log   *slog.Logger
	cfg   Config
	hub   *Hub
	hooks *webhooks

	mu      sync.Mutex
	running bool
	closed  bool
}

// New returns a service over st. It does no I/O and starts no goroutine:
// Run starts the webhook worker.
func New(st store.Store, log *slog.Logger, cfg Config) *Service {
	cfg = cfg.withDefaults()
	return &Service{
		st: st, log: log, cfg: cfg,
		hub:   NewHub(log.With("component", "review-hub"), cfg.SubscriberQueue),
		hooks: newWebhooks(cfg.Webhook, log.With("component", "review-webhook")),
	}
}

// Run starts the webhook worker, which delivers until Close or until ctx
// ends (then what is still queued is dropped). It returns at once; calling
// it twice, or after Close, is an error.
func (s *Service) Run(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return fmt.Errorf("review: run: %w", ErrClosed)
	case s.running:
		return errors.New("review: run: already running")
	}
	s.running = true
	s.hooks.run(ctx)
	return nil
}

// Close stops the service: new calls fail with ErrClosed, subscribers are
// closed, and the webhook worker delivers what is queued (for at most
// WebhookConfig.DrainTimeout) and stops. It does not close the store.
// Calling it again does nothing.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.hub.Close()
	s.hooks.close()
	return nil
}

// Hub returns the service's fan-out hub.
func (s *Service) Hub() *Hub { return s.hub }

// WebhookStats returns the webhook counters.
func (s *Service) WebhookStats() WebhookStats { return s.hooks.stats() }

// open returns ErrClosed once Close was called.
func (s *Service) open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// now returns the current time, kept to the microsecond as the store does.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// newID returns 128 random bits as 26 lowercase base32 characters.
func newID() string { return strings.ToLower(rand.Text()) }

// storeErr maps a store error to the service's sentinels, keeping both in
// the chain.
func storeErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%s: %w: %w", what, ErrNotFound, err)
	case errors.Is(err, store.ErrExists), errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%s: %w: %w", what, ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// loadSession reads a session from the store.
func (s *Service) loadSession(ctx context.Context, id SessionID) (store.Review, error) {
	r, err := s.st.GetReview(ctx, id)
	return r, storeErr("session "+string(id), err)
}
