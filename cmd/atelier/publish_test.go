package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// atelier publish streams a clip to a review session of a running server
// (which sees the session live) and returns once the clip has played.
func TestPublishCommand(t *testing.T) {
	srv := startChild(t, "serve --addr 127.0.0.1:0 --data "+t.TempDir())
	resp, err := http.Post(srv.base+"/api/reviews?user=ana", "application/json", strings.NewReader(`{"title":"CLI"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var r struct{ ID string }
	if err := json.Unmarshal(b, &r); err != nil || r.ID == "" {
		t.Fatalf("create review: %s %s", resp.Status, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"publish", "--file", "../../review/testdata/clip-vp8.ivf", srv.base + "/api/reviews/" + r.ID + "/whip?user=ana"}, &out, &errOut)
	}()
	sawLive := false
	for deadline := time.Now().Add(10 * time.Second); !sawLive && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(srv.base + "/api/reviews/" + r.ID + "?user=ana")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sawLive = strings.Contains(string(b), `"live":true`)
	}
	if err := <-done; err != nil || !sawLive {
		t.Fatalf("publish: %v (live seen: %v)\n%s%s", err, sawLive, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "done") {
		t.Fatalf("output %q", out.String())
	}
	if err := run(ctx, []string{"publish", srv.base}, io.Discard, io.Discard); err != errUsage {
		t.Fatalf("publish without --file: %v, want usage", err)
	}
}

// atelier publish prints the server's view of each stream as it goes: the
// round trip measured from the server's receiver reports, and the loss.
func TestPublishPrintsStreamHealth(t *testing.T) {
	srv := startChild(t, "serve --addr 127.0.0.1:0 --data "+t.TempDir())
	resp, err := http.Post(srv.base+"/api/reviews?user=ana", "application/json", strings.NewReader(`{"title":"CLI"}`))
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.ID == "" {
		t.Fatalf("create review: %s %v", resp.Status, err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"publish", "--loop", "--stats-every", "200ms", "--file", "../../review/testdata/clip-vp8.ivf",
			srv.base + "/api/reviews/" + r.ID + "/whip?user=ana"}, out, io.Discard)
	}()
	health := regexp.MustCompile(`server: stream [0-9a-f]{8} rtt \d+\.\d ms, lost \d+ \(\d+\.\d% lately\)`)
	deadline := time.Now().Add(15 * time.Second)
	for !health.MatchString(out.String()) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil || !health.MatchString(out.String()) {
		t.Fatalf("publish: %v; output without a measured round trip:\n%s", err, out.String())
	}
}

// lockedBuffer is a bytes.Buffer that a command writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
