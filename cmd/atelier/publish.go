package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"

	"atelier/review/media"
	"atelier/review/whipclient"
)

// filesFlag collects repeated --file flags.
type filesFlag []string

func (f *filesFlag) String() string     { return strings.Join(*f, ",") }
func (f *filesFlag) Set(v string) error { *f = append(*f, v); return nil }

// runPublish publishes media files to a review session over WHIP until
// they end (or, with --loop, until interrupted).
func runPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var files filesFlag
	var opts whipclient.PublishOptions
	fs := flag.NewFlagSet("atelier publish", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&files, "file", "a media file: .ivf (VP8/VP9), .h264 (Annex-B) or .ogg (Opus); repeat for video and audio")
	fs.StringVar(&opts.Token, "token", os.Getenv("ATELIER_TOKEN"), "bearer token (env ATELIER_TOKEN); needs the reviewer role")
	fs.BoolVar(&opts.Loop, "loop", false, "start the files over at their end, until interrupted")
	fs.Float64Var(&opts.H264FrameRate, "h264-fps", 30, "frame rate of .h264 files (they carry no timestamps)")
	statsEvery := fs.Duration("stats-every", 5*time.Second, "print the server's view of the stream (round trip, loss) this often; 0: never")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: atelier publish --file clip.ivf [--file clip.ogg] [--loop] WHIP-URL")
		fmt.Fprintln(stderr, "  e.g. atelier publish --file clip.ivf http://127.0.0.1:8080/api/reviews/SESSION/whip")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 || len(files) == 0 {
		fs.Usage()
		return errUsage
	}
	opts.URL, opts.Files = fs.Arg(0), files
	opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fmt.Fprintf(stdout, "publishing %s to %s\n", strings.Join(files, " + "), opts.URL)
	stopStats := func() {}
	if *statsEvery > 0 {
		h := &streamHealth{}
		opts.OnReceiverReport = h.note
		stop, printed := make(chan struct{}), make(chan struct{})
		go func() { defer close(printed); h.print(stdout, *statsEvery, stop) }()
		stopStats = func() { close(stop); <-printed }
	}
	err := whipclient.Publish(ctx, opts)
	stopStats() // no stream line after the outcome
	if errors.Is(err, context.Canceled) {
		err = nil // interrupted: the session was ended with DELETE
	}
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	fmt.Fprintln(stdout, "done")
	return nil
}

// streamHealth keeps the latest reception report the server sent about
// each published stream.
type streamHealth struct {
	mu     sync.Mutex
	latest map[uint32]received
}

type received struct {
	rep rtcp.ReceptionReport
	at  time.Time
}

func (h *streamHealth) note(r rtcp.ReceptionReport) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.latest == nil {
		h.latest = map[uint32]received{}
	}
	h.latest[r.SSRC] = received{r, time.Now()}
}

// print writes a line per stream every interval until stop closes:
// "server: stream 1234abcd rtt 0.4 ms, lost 0 (0.0% lately)".
func (h *streamHealth) print(w io.Writer, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		h.mu.Lock()
		ssrcs := slices.Sorted(maps.Keys(h.latest))
		lines := make([]string, 0, len(ssrcs))
		for _, ssrc := range ssrcs {
			lines = append(lines, healthLine(h.latest[ssrc]))
		}
		h.mu.Unlock()
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}
}

// healthLine describes one reception report. The round trip is measured
// when the report arrived (RFC 3550: now − LSR − DLSR).
func healthLine(r received) string {
	rtt := "rtt unknown"
	if d, ok := media.RoundTrip(r.rep, r.at); ok {
		rtt = fmt.Sprintf("rtt %.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("server: stream %08x %s, lost %d (%.1f%% lately)",
		r.rep.SSRC, rtt, r.rep.TotalLost, float64(r.rep.FractionLost)*100/256)
}
