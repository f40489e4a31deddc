package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
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
