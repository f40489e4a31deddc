package server_test

import (
	"context"

	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
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
// 100k changes (SQLite), the targets of issue 3: a history page, the scene
// at a version, a diff between versions, and blame of one node. The cold
// figures (first request: the document opens, the history index replays
// the log) are reported separately from the warm per-request ones.
func BenchmarkHistory(b *testing.B) {
	base, world, mid, node := historyFixture(b)
	get := func(b *testing.B, path string) {
		resp, err := http.Get(base + path)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %s", path, resp.Status)
		}
	}
	cold := func(path string) time.Duration {
		start := time.Now()
		get(b, path)
		return time.Since(start)
	}
	b.Logf("cold: history page %s, blame %s", cold("/api/worlds/"+world+"/history?limit=100"), cold("/api/worlds/"+world+"/nodes/"+node+"/blame"))
	cases := []struct{ name, path string }{
		{"history-page", "/api/worlds/" + world + "/history?limit=100"},
		{"blame", "/api/worlds/" + world + "/nodes/" + node + "/blame"},
		{"scene-at-version", "/api/worlds/" + world + "/scene?at=" + mid},
		{"diff", "/api/worlds/" + world + "/diff?from=" + mid},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				get(b, c.path)
			}
		})
	}
}

// historyFixture serves a world whose layer has 10k nodes and 100k changes;
// it returns the base URL, the world id, the hash of the 50,000th change
// and a node id.
func historyFixture(b *testing.B) (base, world, mid, node string) {
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
	st, err := sqlite.Open(context.Background(), b.TempDir()+"/atelier.db")
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
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := crdt.NewHub(st, log, crdt.Config{})
	srv := server.New(server.Config{}, st, hub, auth.NewAuthenticator(nil, true), log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = hub.Run(ctx) }()
	go func() { _ = srv.Serve(ctx, ln) }()
	b.Cleanup(cancel)
	b.Logf("fixture: %d changes, %d nodes, built in %s", len(lchs), len(ids), time.Since(start).Round(time.Millisecond))
	return "http://" + ln.Addr().String(), string(w.ID), lchs[50000].Hash.String(), string(ids[4242])
}
