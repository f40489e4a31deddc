package server

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"atelier/crdt"
	"atelier/scene"
	"atelier/store"
	"atelier/store/sqlite"
)

// cacheTestWorld stores a world with one small layer in SQLite and returns
// the store and the layer's document.
func cacheTestWorld(t *testing.T) (store.Store, store.DocID) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/atelier.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, cacheTestLayer(t, st, "2W9GC6YQFn8ymzPq8PJp3UgFTwZ9", "3kZjqV6qQ1V4WXD2DMHd1sU7aGAq")
}

// cacheTestLayer stores a world (manifest mid) whose one layer, lidS, has
// six changes.
func cacheTestLayer(t *testing.T, st store.Store, mid, lidS string) store.DocID {
	ctx := context.Background()
	layerDoc, err := scene.NewLayerDoc()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := scene.AddNode(layerDoc, scene.Node{ID: scene.NodeID(uuid.NewString()), Name: "n"}); err != nil {
			t.Fatal(err)
		}
		if _, err := layerDoc.Commit("add"); err != nil {
			t.Fatal(err, i)
		}
	}
	w := store.World{ID: store.WorldID(uuid.NewString()), Name: "Harbor", Manifest: store.DocID(mid), CreatedAt: time.Now()}
	lid := store.DocID(lidS)
	w.Layers = []store.Layer{{ID: store.LayerID(uuid.NewString()), World: w.ID, Name: "Main", Doc: lid}}
	manifest, err := scene.NewManifestDoc("Harbor", []scene.ManifestLayer{{ID: string(w.Layers[0].ID), Name: "Main", URL: "automerge:" + string(lid), Order: "a0"}})
	if err != nil {
		t.Fatal(err)
	}
	mchs, err := crdt.InitialChanges(manifest, w.Manifest, "test")
	if err != nil {
		t.Fatal(err)
	}
	lchs, err := crdt.InitialChanges(layerDoc, lid, "test")
	if err != nil {
		t.Fatal(err)
	}
	err = st.CreateWorld(ctx, w, []store.NewDocument{
		{Document: store.Document{ID: w.Manifest, World: w.ID, Kind: store.KindManifest}, Changes: mchs},
		{Document: store.Document{ID: lid, World: w.ID, Kind: store.KindLayer}, Changes: lchs},
	})
	if err != nil {
		t.Fatal(err)
	}
	return lid
}

// A read that fails (its request cancelled) while another reader of the
// same version fills the same entry: no data race (run with -race), and
// the other reader gets its state.
func TestLayerCacheConcurrentFailedRead(t *testing.T) {
	st, lid := cacheTestWorld(t)
	hub := crdt.NewHub(st, slog.New(slog.NewTextHandler(io.Discard, nil)), crdt.Config{})
	for i := range 100 {
		lc := newLayerCache(st, hub)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%20)*20*time.Microsecond)
			defer cancel()
			_, _ = lc.state(ctx, lid, &pin{Ordinal: 3})
		}()
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i%7) * 10 * time.Microsecond)
			if _, err := lc.state(context.Background(), lid, &pin{Ordinal: 3}); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
	}
}

// A world's four small layers read in order, again and again: all stay
// cached (the budget is by size, so a scan does not evict each layer just
// before it is read again).
func TestLayerCacheHoldsAWorldsLayers(t *testing.T) {
	st, l1 := cacheTestWorld(t)
	docs := []store.DocID{l1,
		cacheTestLayer(t, st, "2W9GC6YQFn8ymzPq8PJp3UgFTwZA", "3kZjqV6qQ1V4WXD2DMHd1sU7aGAA"),
		cacheTestLayer(t, st, "2W9GC6YQFn8ymzPq8PJp3UgFTwZB", "3kZjqV6qQ1V4WXD2DMHd1sU7aGAB"),
		cacheTestLayer(t, st, "2W9GC6YQFn8ymzPq8PJp3UgFTwZC", "3kZjqV6qQ1V4WXD2DMHd1sU7aGAC"),
	}
	hub := crdt.NewHub(st, slog.New(slog.NewTextHandler(io.Discard, nil)), crdt.Config{})
	lc := newLayerCache(st, hub)
	ctx := context.Background()
	misses := 0
	for round := range 3 {
		for _, d := range docs {
			lc.mu.Lock()
			e, hit := lc.ents[layerKey{doc: d}]
			hit = hit && e.state != nil
			lc.mu.Unlock()
			if !hit && round > 0 {
				misses++
			}
			if _, err := lc.state(ctx, d, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if misses > 0 {
		t.Fatalf("%d of 8 repeat reads of 4 layers missed the cache (each a full replay)", misses)
	}
}
