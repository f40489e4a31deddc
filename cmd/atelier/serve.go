package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on --debug-addr
	"os"
	"path/filepath"
	"strings"
	"time"

	"atelier/crdt"
	"atelier/review"
	"atelier/server"
	"atelier/server/auth"
	"atelier/store"
	"atelier/store/postgres"
	"atelier/store/sqlite"
	"atelier/web"
)

type serveFlags struct {
	addr, data, db        string
	secret, secretFile    string
	insecureNoAuth        bool
	maxMessageBytes       int64
	logLevel, logFormat   string
	verifierIdle, docIdle time.Duration
	debugAddr             string
	webhookURL            string
	webhookSecret         string
	rtcUDPPorts           string
	rtcNATIPs             string
	rtcLoopback           string
}

func parseServeFlags(args []string, stderr io.Writer) (*serveFlags, error) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("atelier serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks one)")
	fs.StringVar(&f.data, "data", "./data", "data directory (holds the SQLite database)")
	fs.StringVar(&f.db, "db", "", "database: a SQLite file path, or postgres://… (default DATA/atelier.db)")
	fs.StringVar(&f.secret, "secret", os.Getenv("ATELIER_SECRET"), "HS256 secret for bearer tokens (env ATELIER_SECRET)")
	fs.StringVar(&f.secretFile, "secret-file", "", "read the token secret from this file")
	fs.BoolVar(&f.insecureNoAuth, "insecure-no-auth", false, "allow a non-loopback address without a secret: anyone who can connect may do anything")
	fs.Int64Var(&f.maxMessageBytes, "max-message-bytes", 16<<20, "largest websocket message accepted, in decompressed bytes")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "text or json")
	fs.DurationVar(&f.verifierIdle, "verifier-idle", 30*time.Second, "drop a document's automerge materialization after this long without writes")
	fs.DurationVar(&f.docIdle, "doc-idle", 60*time.Second, "close a document after this long without peers")
	fs.StringVar(&f.debugAddr, "debug-addr", "", "serve Go's pprof profiles on this (loopback) address")
	fs.StringVar(&f.webhookURL, "webhook-url", os.Getenv("ATELIER_WEBHOOK_URL"), "POST review tasks' creations and updates as JSON to this URL (env ATELIER_WEBHOOK_URL)")
	fs.StringVar(&f.webhookSecret, "webhook-secret", os.Getenv("ATELIER_WEBHOOK_SECRET"), "sign webhook bodies with HMAC-SHA256 (X-Atelier-Signature; env ATELIER_WEBHOOK_SECRET)")
	fs.StringVar(&f.rtcUDPPorts, "rtc-udp-ports", "", "WebRTC UDP port range MIN-MAX for review streams (default: any)")
	fs.StringVar(&f.rtcNATIPs, "rtc-nat-ips", "", "comma-separated public IPs to advertise instead of host addresses (a server behind 1:1 NAT)")
	fs.StringVar(&f.rtcLoopback, "rtc-loopback", "auto", "offer loopback ICE candidates for review streams: true, false, or auto (when --addr is loopback)")
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if f.secretFile != "" {
		b, err := os.ReadFile(f.secretFile)
		if err != nil {
			return nil, fmt.Errorf("serve: read secret: %w", err)
		}
		f.secret = strings.TrimSpace(string(b))
	}
	return f, nil
}

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	f, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, f.logLevel, f.logFormat)
	if err != nil {
		return err
	}
	local, err := authMode(f)
	if err != nil {
		return err
	}
	st, desc, err := openStore(ctx, f)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("serve: listen: %w", err)
	}
	// The hub tells the server of commits (to index history); neither runs
	// before both exist.
	var srv *server.Server
	hub := crdt.NewHub(st, log.With("component", "crdt"), crdt.Config{VerifierIdle: f.verifierIdle, DocIdle: f.docIdle,
		OnCommit: func(doc store.DocID, ordinal int64) { srv.Committed(doc, ordinal) }})
	reviews := review.New(st, log.With("component", "review"), review.Config{
		Webhook: review.WebhookConfig{URL: f.webhookURL, Secret: f.webhookSecret}})
	rtc, err := mediaEngine(f, log)
	if err != nil {
		return err
	}
	srv = server.New(server.Config{MaxMessageBytes: f.maxMessageBytes, PeerID: peerID(), App: web.Handler(), Review: reviews, Media: rtc,
		RecordingsDir: filepath.Join(f.data, "recordings"), Playback: playbackConfig(rtc)}, st, hub,
		auth.NewAuthenticator([]byte(f.secret), local), log.With("component", "server"))
	mode := "bearer tokens required"
	if local {
		mode = "local mode: no auth, ?user= names the user"
	}
	if f.debugAddr != "" {
		if !isLoopback(f.debugAddr) {
			return fmt.Errorf("serve: --debug-addr must be a loopback address")
		}
		go func() { log.Error("debug server", "err", http.ListenAndServe(f.debugAddr, nil)) }()
	}
	if !web.Built() {
		log.Warn("the web editor was not built into this binary; / shows how to build it (make build)")
	}
	fmt.Fprintf(stderr, "atelier: listening on http://%s (%s; %s)\n", ln.Addr(), desc, mode)
	if err := reviews.Run(context.WithoutCancel(ctx)); err != nil { // stopped by Close, after queued webhooks drain
		return err
	}
	defer reviews.Close() // after the server: ends the review channels, drains webhooks
	return serve(ctx, srv, hub, ln)
}

// serve runs the server and the hub until ctx ends, then shuts down in order:
// stop accepting and close peers, stop the document loops, close the store.
func serve(ctx context.Context, srv *server.Server, hub *crdt.Hub, ln net.Listener) error {
	hubCtx, stopHub := context.WithCancel(context.Background())
	hubDone := make(chan error, 1)
	go func() { hubDone <- hub.Run(hubCtx) }()
	err := srv.Serve(ctx, ln)
	stopHub()
	<-hubDone
	return err
}

// authMode decides between local mode (no auth) and bearer tokens.
func authMode(f *serveFlags) (local bool, err error) {
	if f.secret != "" {
		return false, nil
	}
	if isLoopback(f.addr) || f.insecureNoAuth {
		return true, nil
	}
	return false, fmt.Errorf("serve: %s is not a loopback address and no secret is set: set --secret (or ATELIER_SECRET), or pass --insecure-no-auth to let anyone who can connect do anything", f.addr)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// openStore opens PostgreSQL for a postgres:// --db, SQLite otherwise.
func openStore(ctx context.Context, f *serveFlags) (store.Store, string, error) {
	if strings.HasPrefix(f.db, "postgres://") || strings.HasPrefix(f.db, "postgresql://") {
		st, err := postgres.Open(ctx, f.db)
		if err != nil {
			return nil, "", fmt.Errorf("serve: open PostgreSQL: %w", err)
		}
		return st, "PostgreSQL", nil
	}
	path := f.db
	if path == "" {
		path = filepath.Join(f.data, "atelier.db")
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, "", fmt.Errorf("serve: open SQLite %s: %w", path, err)
	}
	return st, "SQLite " + path, nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("serve: --log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, errors.New("serve: --log-format must be text or json")
}

func peerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "local"
	}
	return "atelier-" + host
}
