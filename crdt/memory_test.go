package crdt_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"atelier/crdt"
	"atelier/crdt/format"
	"atelier/scene"
	"atelier/store"
)

// BenchmarkIdleLayerMemory measures the Go heap an open, idle layer of 10k
// nodes and 20k changes costs the engine: four such layers are opened, each
// with one in-sync peer, and the heap growth is divided by four. (Nothing is
// written, so no automerge-go materialization is loaded; the store is in
// memory and measured before the layers open, so it is not counted.)
func BenchmarkIdleLayerMemory(b *testing.B) {
	const layers = 4
	doc, err := scene.NewLayerDoc()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := scene.Populate(doc, 10000, 20000-1-1000, rand.New(rand.NewPCG(1, 2))); err != nil {
		b.Fatal(err)
	}
	heads := hashes(doc.Heads())
	st := newMemStore()
	ids := make([]store.DocID, layers)
	for i := range ids {
		ids[i] = store.DocID(fmt.Sprintf("layer-%d", i))
		chs, err := crdt.InitialChanges(doc, ids[i], "bench")
		if err != nil {
			b.Fatal(err)
		}
		w := store.World{ID: store.WorldID(uuid.NewString())}
		_ = st.CreateWorld(context.Background(), w, []store.NewDocument{{Document: store.Document{ID: ids[i], World: w.ID, Kind: store.KindLayer}, Changes: chs}})
	}
	doc = nil
	for range b.N {
		before := heapInUse()
		hub := crdt.NewHub(st, slog.New(slog.NewTextHandler(io.Discard, nil)), crdt.Config{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = hub.Run(ctx); close(done) }()
		var got atomic.Int64
		hello := format.SyncMessage{Version: 0x42, Heads: heads, Have: []format.Have{{LastSync: heads}}}
		for _, id := range ids {
			p := &syncedPeer{testPeer: newTestPeer("peer-"+string(id), crdt.AccessWrite), hub: hub, doc: id, delivered: new(atomic.Int64), messages: &got}
			go p.run(done)
			hub.Receive(p, id, crdt.InSync, hello.Encode())
		}
		for got.Load() < layers {
			time.Sleep(time.Millisecond)
		}
		if n := hub.Stats().Verifiers.Load(); n != 0 {
			b.Fatalf("%d verifiers resident on idle layers", n)
		}
		b.ReportMetric(float64(heapInUse()-before)/layers/(1<<20), "MiB/idle-layer")
		cancel()
		<-done
	}
}

func heapInUse() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
