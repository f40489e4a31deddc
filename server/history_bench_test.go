package server_test

import (
	"context"

	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"atelier/crdt"
	"atelier/scene"
	"atelier/server"
	"atelier/server/auth"
	"atelier/server/wire"
	"atelier/store"
	"atelier/store/sqlite"
)

// BenchmarkHistory measures the history API on one layer of 10k nodes and
// 100k changes (SQLite), the targets of issue 3: a history page, blame of
// one node, the scene now and at a version, a diff between versions and
// restoring one node. Cold figures are logged apart: the first request
// ever (the history index replays the log, then stores every change's
// touches in the background), and the first requests after a restart
// (touches read from the store; the layer's state replayed; its automerge
// state loaded for the first write). The per-request figures are measured
// on the restarted server: "-again" cases read a version a request read
// before (cached), the others a version no request read. Run with
// -benchtime 3x.
func BenchmarkHistory(b *testing.B) {
	st, world, versions, node := historyFixture(b)
	mid := versions[0]
	do := func(b *testing.B, base, method, path, body string) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s %s: %s", method, path, resp.Status)
		}
	}
	timed := func(base, method, path, body string) time.Duration {
		start := time.Now()
		do(b, base, method, path, body)
		return time.Since(start)
	}
	w := "/api/worlds/" + world
	page, blame := w+"/history?limit=100", w+"/nodes/"+node+"/blame"
	restore := func(at string) string { return `{"at":"` + at + `","nodes":["` + node + `"]}` }
	base, stop := serveHistory(b, st)
	b.Logf("cold, first request ever: history page %s, blame %s", timed(base, "GET", page, ""), timed(base, "GET", blame, ""))
	start := time.Now()
	waitTouched(b, st, world)
	b.Logf("every change's touches stored in the background %s after that", time.Since(start).Round(time.Millisecond))
	stop()
	base, stop = serveHistory(b, st)
	defer stop()
	b.Logf("cold, first request after a restart: history page %s, blame %s, scene now %s, restore of one node (layer not resident) %s",
		timed(base, "GET", page, ""), timed(base, "GET", blame, ""), timed(base, "GET", w+"/scene", ""),
		timed(base, "POST", w+"/restore", restore(mid)))
	next := 1 // versions[next] has not been read yet
	fresh := func(b *testing.B) string {
		if next == len(versions) {
			b.Fatal("fixture: out of unread versions; use -benchtime 3x")
		}
		next++
		return versions[next-1]
	}
	get := func(path string) func(b *testing.B) { return func(b *testing.B) { do(b, base, "GET", path, "") } }
	cases := []struct {
		name string
		run  func(b *testing.B)
	}{
		{"history-page", get(page)},
		{"blame", get(blame)},
		{"scene-now", get(w + "/scene")},
		{"scene-at-version", func(b *testing.B) { do(b, base, "GET", w+"/scene?at="+fresh(b), "") }},
		{"scene-at-version-again", get(w + "/scene?at=" + mid)},
		{"diff", func(b *testing.B) { do(b, base, "GET", w+"/diff?from="+fresh(b), "") }},
		{"diff-again", get(w + "/diff?from=" + mid)},
		// restoring writes a change each time; the layer is live (resident)
		{"restore-node", func(b *testing.B) { do(b, base, "POST", w+"/restore", restore(fresh(b))) }},
		{"restore-node-viewed-version", func(b *testing.B) { do(b, base, "POST", w+"/restore", restore(mid)) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.run(b)
			}
		})
	}
}

// serveHistory starts a hub and a server over st, as a process would, and
// returns its base URL and a function that stops it and waits.
func serveHistory(b *testing.B, st store.Store) (string, func()) {
	b.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var srv *server.Server
	hub := crdt.NewHub(st, log, crdt.Config{OnCommit: func(doc store.DocID, ordinal int64) { srv.Committed(doc, ordinal) }})
	srv = server.New(server.Config{}, st, hub, auth.NewAuthenticator(nil, true), log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hubDone, srvDone := make(chan struct{}), make(chan struct{})
	go func() { _ = hub.Run(ctx); close(hubDone) }()
	go func() { _ = srv.Serve(ctx, ln); close(srvDone) }()
	return "http://" + ln.Addr().String(), func() { cancel(); <-srvDone; <-hubDone }
}

// waitTouched waits until the store holds the touches of every change of
// the world's layers. (The manifest's one change, older than the layer's
// newest hundred, was on no page, so no request computed its touch.)
func waitTouched(b *testing.B, st store.Store, world string) {
	b.Helper()
	ctx := context.Background()
	w, err := st.GetWorld(ctx, store.WorldID(world))
	if err != nil {
		b.Fatal(err)
	}
	var docs []store.DocID
	for _, l := range w.Layers {
		docs = append(docs, l.Doc)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for _, doc := range docs {
		last, err := st.ChangeLog(ctx, doc, 0, 1)
		if err != nil || len(last) != 1 {
			b.Fatalf("last change of %s: %v", doc, err)
		}
		for {
			got, err := st.TouchedUpTo(ctx, doc)
			if err != nil {
				b.Fatal(err)
			}
			if got >= last[0].Ordinal {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("touches of %s stored up to %d of %d after 5 minutes", doc, got, last[0].Ordinal)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// historyFixture stores a world whose layer has 10k nodes and 100k
// changes, with a snapshot of its last state as the engine's compactor
// would write; it returns the store, the world id, the hashes of changes
// from the 50,000th on (versions) and a node id.
func historyFixture(b *testing.B) (st store.Store, world string, versions []string, node string) {
	b.Helper()
	start := time.Now()
	doc, err := scene.NewLayerDoc()
	if err != nil {
		b.Fatal(err)
	}
	ids, err := scene.Populate(doc, 10000, 100000-1-1000, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		b.Fatal(err)
	}
	st, err = sqlite.Open(context.Background(), b.TempDir()+"/atelier.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	w := store.World{ID: store.WorldID(uuid.NewString()), Name: "Big", Manifest: wire.NewDocID(), CreatedAt: time.Now().UTC()}
	layer := store.Layer{ID: store.LayerID(uuid.NewString()), World: w.ID, Name: "Main", Doc: wire.NewDocID()}
	w.Layers = []store.Layer{layer}
	manifest, _ := scene.NewManifestDoc("Big", []scene.ManifestLayer{{ID: string(layer.ID), Name: "Main", URL: wire.DocURL(layer.Doc), Order: "a0"}})
	mchs, _ := crdt.InitialChanges(manifest, w.Manifest, "bench")
	lchs, err := crdt.InitialChanges(doc, layer.Doc, "bench")
	if err != nil {
		b.Fatal(err)
	}
	for i := range lchs { // spread arrival times so time-based versions mean something
		lchs[i].ReceivedAt = w.CreatedAt.Add(time.Duration(i) * time.Millisecond)
	}
	err = st.CreateWorld(context.Background(), w, []store.NewDocument{
		{Document: store.Document{ID: w.Manifest, World: w.ID, Kind: store.KindManifest}, Changes: mchs},
		{Document: store.Document{ID: layer.Doc, World: w.ID, Kind: store.KindLayer}, Changes: lchs},
	})
	if err != nil {
		b.Fatal(err)
	}
	heads := make([]store.ChangeHash, 0, 1)
	for _, h := range doc.Heads() {
		heads = append(heads, store.ChangeHash(h))
	}
	err = st.PutSnapshot(context.Background(), store.Snapshot{Doc: layer.Doc, Ordinal: int64(len(lchs)), Heads: heads, Data: doc.Save()})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 64 {
		versions = append(versions, lchs[50000+i*101].Hash.String())
	}
	b.Logf("fixture: %d changes, %d nodes, built in %s", len(lchs), len(ids), time.Since(start).Round(time.Millisecond))
	return st, string(w.ID), versions, string(ids[4242])
}
