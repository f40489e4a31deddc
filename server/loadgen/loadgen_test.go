package loadgen_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"atelier/crdt"
	"atelier/server"
	"atelier/server/auth"
	"atelier/server/loadgen"
	"atelier/store/sqlite"
)

// A short run against a real server: the seed lands, every edit reaches
// every other peer, and the report is printed.
func TestRunDeliversEverything(t *testing.T) {
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/atelier.db")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := crdt.NewHub(st, log, crdt.Config{})
	srv := server.New(server.Config{}, st, hub, auth.NewAuthenticator(nil, true), log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hubDone, srvDone := make(chan struct{}), make(chan struct{})
	go func() { _ = hub.Run(ctx); close(hubDone) }()
	go func() { _ = srv.Serve(ctx, ln); close(srvDone) }()
	t.Cleanup(func() { cancel(); <-srvDone; <-hubDone; _ = st.Close() })

	for _, rate := range []float64{20, 0} {
		var out bytes.Buffer
		res, err := loadgen.Run(context.Background(), loadgen.Config{
			BaseURL: "http://" + ln.Addr().String(), Peers: 4, Rate: rate, Duration: 500 * time.Millisecond,
			Drain: 5 * time.Second, Nodes: 200, History: 400, Out: &out,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Edits == 0 || res.Missing() != 0 || res.Delivered != res.Edits*3 || res.P50 <= 0 {
			t.Fatalf("rate %g: %+v\n%s", rate, res, out.String())
		}
		if !strings.Contains(out.String(), "missing 0") {
			t.Fatalf("report: %s", out.String())
		}
	}
}
