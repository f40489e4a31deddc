// Package server is Atelier's edge: the HTTP API (worlds, scene), the
// automerge-repo websocket endpoint (/sync) and authentication. It turns
// requests and protocol messages into calls on the crdt engine and the store,
// and maps every error to an HTTP status or websocket close code in one
// table (errors.go).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"atelier/crdt"
	"atelier/review"
	"atelier/review/media"
	"atelier/review/recording"
	"atelier/server/auth"
	"atelier/server/wire"
	"atelier/store"
)

// Config tunes the edge. Zero fields take their defaults.
type Config struct {
	// MaxMessageBytes limits one inbound websocket message, counted on
	// decompressed bytes (default 16 MiB).
	MaxMessageBytes int64
	// SendQueue is the number of outbound messages a peer may have queued
	// before it is disconnected as too slow (default 512; the engine sends
	// each peer at most one message per batch of edits).
	SendQueue int
	// SendQueueBytes bounds the bytes those messages hold (default 64 MiB).
	SendQueueBytes int64
	// PingInterval is how often the server pings each peer; a peer silent
	// for three intervals is dropped (default 5s, as the reference server).
	PingInterval time.Duration
	// HandshakeTimeout is how long a client has to send join (default 10s).
	HandshakeTimeout time.Duration
	// WriteTimeout bounds one websocket write (default 10s).
	WriteTimeout time.Duration
	// PeerID is the server's automerge-repo peer id (default "atelier-<host>").
	PeerID string
	// StorageID is the server's storage id sent in peer metadata.
	StorageID string
	// HistoryIndexDelay is how long a document must go without commits
	// before the touches of its new changes are stored for the history
	// timeline (default 1s); a document written without pause waits at
	// most ten times that.
	HistoryIndexDelay time.Duration
	// App serves the browser editor: its pages ("/" and "/worlds/…") and
	// its assets ("/assets/…"), the routes in appRoutes. Nil serves a
	// plain-text index at "/" and 404 on the others.
	App http.Handler
	// Review runs review sessions, annotations and tasks (routes under
	// /api/reviews and /api/tasks). Nil answers them 404.
	Review *review.Service
	// Media streams review sessions (WHIP and WHEP under
	// /api/reviews/{id}); it needs Review. Nil serves no streams.
	Media *media.Engine
	// RecordingsDir is where every publication to a review session is
	// recorded (with Media); "" records nothing.
	RecordingsDir string
	// Playback tunes the WebRTC of recordings played back (the network
	// settings of Media's engine, in recording's terms).
	Playback recording.Config
}

func (c Config) withDefaults() Config {
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 16 << 20
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 512
	}
	if c.SendQueueBytes <= 0 {
		c.SendQueueBytes = 64 << 20
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 5 * time.Second
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = 10 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.PeerID == "" {
		c.PeerID = "atelier-server"
	}
	if c.HistoryIndexDelay <= 0 {
		c.HistoryIndexDelay = time.Second
	}
	return c
}

func (c Config) pongWait() time.Duration { return 3 * c.PingInterval }

// Server serves the HTTP API and the sync endpoint.
type Server struct {
	cfg       Config
	st        store.Store
	hub       *crdt.Hub
	auth      *auth.Authenticator
	log       *slog.Logger
	peerID    wire.PeerID
	storageID string
	upgrader  websocket.Upgrader
	metrics   http.Handler
	touches   *touchIndex
	indexer   *touchIndexer
	layers    *layerCache
	media     *reviewMedia // nil without Config.Media
	recs      *recordings  // nil without Config.RecordingsDir

	mu       sync.Mutex
	sessions map[wire.PeerID]*session
	all      map[*session]bool
	closing  bool
}

// New returns a server. It does no I/O and starts nothing.
func New(cfg Config, st store.Store, hub *crdt.Hub, a *auth.Authenticator, log *slog.Logger) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg: cfg, st: st, hub: hub, auth: a, log: log,
		peerID: wire.PeerID(cfg.PeerID), storageID: cfg.StorageID,
		upgrader: websocket.Upgrader{
			ReadBufferSize: 16 << 10, WriteBufferSize: 16 << 10, WriteBufferPool: &sync.Pool{},
			CheckOrigin: func(*http.Request) bool { return true }, // auth is by token, not cookie
		},
		sessions: map[wire.PeerID]*session{},
		all:      map[*session]bool{},
	}
	s.metrics = s.metricsHandler()
	s.touches = newTouchIndex(st, log)
	s.indexer = newTouchIndexer(s.touches, log, cfg.HistoryIndexDelay)
	s.touches.unsaved = s.indexer.computed
	s.layers = newLayerCache(st, hub)
	if cfg.Media != nil && cfg.Review != nil {
		s.media = newReviewMedia(cfg.Media, cfg.Review, log.With("component", "media"))
		if cfg.RecordingsDir != "" {
			s.recs = newRecordings(cfg.RecordingsDir, cfg.Review, cfg.Playback, s.media.existing, log.With("component", "recordings"))
			s.media.recs = s.recs
		}
	}
	return s
}

// Committed tells the server that doc's log now ends at ordinal, so that
// the history index stores the new changes' touches in the background
// (while Serve runs). Wire it to crdt.Config.OnCommit. It never blocks.
func (s *Server) Committed(doc store.DocID, ordinal int64) {
	s.indexer.committed(doc, ordinal)
}

// created queues the documents of a new world (or branch), whose initial
// changes did not go through the engine, as if they had just committed.
func (s *Server) created(docs []store.NewDocument) {
	for _, d := range docs {
		s.indexer.committed(d.ID, int64(len(d.Changes)))
	}
}

// Handler returns the server's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	return mux
}

// muxer is what routes are registered on (an http.ServeMux, or a
// recorder of the routes in tests).
type muxer interface {
	HandleFunc(string, func(http.ResponseWriter, *http.Request))
	Handle(string, http.Handler)
}

// routes registers every route on mux.
func (s *Server) routes(mux muxer) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /sync", s.serveSync)
	mux.HandleFunc("POST /api/worlds", s.authed(s.createWorld))
	mux.HandleFunc("GET /api/worlds", s.authed(s.listWorlds))
	mux.HandleFunc("GET /api/worlds/{id}", s.authed(s.getWorld))
	mux.HandleFunc("PATCH /api/worlds/{id}", s.authed(s.renameWorld))
	mux.HandleFunc("GET /api/worlds/{id}/scene", s.authed(s.getScene))
	mux.HandleFunc("GET /api/worlds/{id}/history", s.authed(s.getHistory))
	mux.HandleFunc("GET /api/worlds/{id}/diff", s.authed(s.getDiff))
	mux.HandleFunc("GET /api/worlds/{id}/nodes/{node}/blame", s.authed(s.getBlame))
	mux.HandleFunc("POST /api/worlds/{id}/restore", s.authed(s.postRestore))
	mux.HandleFunc("POST /api/worlds/{id}/revert", s.authed(s.postRevert))
	mux.HandleFunc("POST /api/worlds/{id}/branches", s.authed(s.createBranch))
	mux.HandleFunc("GET /api/worlds/{id}/branches", s.authed(s.listBranches))
	mux.HandleFunc("GET /api/worlds/{id}/branches/{branch}/merge-preview", s.authed(s.mergePreview))
	mux.HandleFunc("POST /api/worlds/{id}/branches/{branch}/merge", s.authed(s.mergeBranch))
	mux.HandleFunc("POST /api/worlds/{id}/versions", s.authed(s.createVersion))
	mux.HandleFunc("GET /api/worlds/{id}/versions", s.authed(s.listVersions))
	mux.HandleFunc("GET /api/worlds/{id}/versions/{name}", s.authed(s.getVersion))
	mux.Handle("GET /metrics", s.metrics)
	mux.HandleFunc("GET /api/openapi.json", serveOpenAPI)
	s.reviewRoutes(mux)
	s.mediaRoutes(mux)
	s.recordingRoutes(mux)
	app := s.cfg.App
	if app == nil {
		app = http.HandlerFunc(s.index)
	}
	for _, pattern := range appRoutes {
		mux.Handle(pattern, app)
	}
}

// appRoutes are the browser editor's routes, served by Config.App: the
// world list, a world's editor (deep links such as
// /worlds/{id}?camera=…&select=…) and the app's hashed assets. They are not
// API routes: openapi.json does not describe them, and none of them shadows
// /api, /sync, /healthz or /metrics.
var appRoutes = []string{"GET /{$}", "GET /worlds/", "GET /reviews", "GET /reviews/", "GET /assets/"}

// closeStreams ends the review streams: publishers and viewers, then the
// recordings (complete once their publishers are gone) and playbacks. The
// review channels end when the review service closes.
func (s *Server) closeStreams() {
	if s.media != nil {
		s.media.Close()
	}
	if s.recs != nil {
		s.recs.Close()
	}
}

// Serve serves on ln, and indexes history in the background, until ctx
// ends, then shuts down in order: stop accepting, close every peer (1001),
// store the history touches still queued, and return once requests are
// done. Before it accepts a request it recovers the recordings a previous
// process left unfinished (it died while recording), so they are listed.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ictx, stopIndexer := context.WithCancel(context.WithoutCancel(ctx))
	indexed := make(chan struct{})
	go func() { defer close(indexed); s.indexer.run(ictx) }()
	defer func() { stopIndexer(); <-indexed }() // after the peers are closed
	if s.recs != nil {
		s.recs.recoverUnfinished()
		swept := make(chan struct{})
		go func() { defer close(swept); s.recs.run(ictx) }()
		defer func() { stopIndexer(); <-swept }()
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		s.closeStreams()
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := hs.Shutdown(shutdownCtx)
	s.closeAll()
	s.closeStreams()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// closeAll disconnects every websocket peer and refuses new ones.
func (s *Server) closeAll() {
	s.mu.Lock()
	s.closing = true
	all := make([]*session, 0, len(s.all))
	for ss := range s.all {
		all = append(all, ss)
	}
	s.mu.Unlock()
	for _, ss := range all {
		ss.Fail(crdt.ErrClosed)
	}
	for _, ss := range all {
		select {
		case <-ss.done:
		case <-time.After(2 * time.Second):
		}
	}
}

// serveSync upgrades to a websocket speaking the automerge-repo protocol.
func (s *Server) serveSync(w http.ResponseWriter, r *http.Request) {
	p, authErr := s.auth.Authenticate(r)
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	if authErr != nil {
		// Refuse after the upgrade, with close code 4401: browsers cannot see
		// an HTTP status on a failed upgrade, and Node's client adapter
		// crashes on one.
		msg := websocket.FormatCloseMessage(closeCodeOf(authErr), authErr.Error())
		_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		_ = conn.Close()
		return
	}
	ss := newSession(s, conn, p)
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ss.Fail(crdt.ErrClosed)
		go ss.writeLoop()
		return
	}
	s.all[ss] = true
	s.mu.Unlock()
	ss.run()
	s.mu.Lock()
	delete(s.all, ss)
	s.mu.Unlock()
}

// register makes ss the connection of its peer id, closing an older one
// of the same user. A peer id in use by another user is refused: ids travel
// in relayed presence, and must not let one user disconnect another.
func (s *Server) register(ss *session) error {
	s.mu.Lock()
	old := s.sessions[ss.peer]
	if old != nil && old.principal.User != ss.principal.User {
		s.mu.Unlock()
		return fmt.Errorf("%w: peer id %q is in use by another user", ErrPeerIDTaken, ss.peer)
	}
	s.sessions[ss.peer] = ss
	s.mu.Unlock()
	if old != nil && old != ss {
		old.Fail(ErrReplaced)
	}
	return nil
}

func (s *Server) unregister(ss *session) {
	s.mu.Lock()
	if s.sessions[ss.peer] == ss {
		delete(s.sessions, ss.peer)
	}
	s.mu.Unlock()
}

// Peers returns the number of joined websocket peers.
func (s *Server) Peers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// index answers GET / when the server has no Config.App (tests, embedding
// programs), and 404 on the app's other routes.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("Atelier world server\n\n" +
		"POST /api/worlds {\"name\": …}   create a world\n" +
		"GET  /api/worlds                list worlds\n" +
		"GET  /api/worlds/{id}           one world\n" +
		"GET  /api/worlds/{id}/scene     the resolved scene of every layer\n" +
		"GET  /sync                      automerge-repo websocket endpoint\n" +
		"GET  /healthz                   health\n" +
		"GET  /metrics                   Prometheus metrics\n"))
}
