package crdt_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
	"github.com/google/uuid"

	"atelier/crdt"
	"atelier/crdt/format"
	"atelier/store"
)

// history is a generated document: its automerge doc and its changes as rows.
type history struct {
	doc     *automerge.Doc
	changes []store.Change
}

var (
	histMu    sync.Mutex
	histCache = map[int]*history{}
)

// makeHistory builds a document of n small changes by 20 actors, each
// setting one of 100 keys (cached across benchmarks).
func makeHistory(b *testing.B, n int) *history {
	histMu.Lock()
	defer histMu.Unlock()
	if h := histCache[n]; h != nil {
		return h
	}
	doc := automerge.New()
	actors := make([]string, 20)
	for i := range actors {
		actors[i] = automerge.NewActorID()
	}
	for i := 0; i < n; i++ {
		if err := doc.SetActorID(actors[i%len(actors)]); err != nil {
			b.Fatal(err)
		}
		_ = doc.RootMap().Set(fmt.Sprintf("k%d", i%100), int64(i))
		if _, err := doc.Commit(""); err != nil {
			b.Fatal(err)
		}
	}
	chs, err := crdt.InitialChanges(doc, "bench", "bench")
	if err != nil {
		b.Fatal(err)
	}
	h := &history{doc: doc, changes: chs}
	histCache[n] = h
	return h
}

// syncedPeer is a cheap in-sync peer: it acknowledges every sync message
// with the heads it carries, as an automerge peer that applied it does.
type syncedPeer struct {
	*testPeer
	hub       *crdt.Hub
	doc       store.DocID
	delivered *atomic.Int64
	messages  *atomic.Int64
}

func (p *syncedPeer) run(done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case m := <-p.inbox:
			msg, err := format.DecodeSyncMessage(m.Data)
			if err != nil {
				panic(err)
			}
			p.delivered.Add(int64(len(msg.Changes)))
			p.messages.Add(1)
			ack := format.SyncMessage{Version: 0x42, Heads: msg.Heads, Have: []format.Have{{LastSync: msg.Heads}}}
			p.hub.Receive(p, p.doc, crdt.InSync, ack.Encode())
		}
	}
}

// BenchmarkFanout measures the engine's cost per change delivered to an
// in-sync peer (one writer, 50 readers acknowledging every message), with a
// 1k- and a 100k-change history. The store is in memory, so no fsync is
// counted: this is the relay path alone.
func BenchmarkFanout(b *testing.B) {
	for _, hist := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("history=%d/peers=50", hist), func(b *testing.B) { benchFanout(b, hist, 50) })
	}
}

func benchFanout(b *testing.B, n, peers int) {
	h := makeHistory(b, n)
	st := newMemStore()
	const docID = store.DocID("bench")
	w := store.World{ID: store.WorldID(uuid.NewString())}
	_ = st.CreateWorld(context.Background(), w, []store.NewDocument{{Document: store.Document{ID: docID, World: w.ID, Kind: store.KindLayer}, Changes: h.changes}})
	hub := crdt.NewHub(st, slog.New(slog.NewTextHandler(io.Discard, nil)), crdt.Config{DisableVerify: true, SnapshotEvery: 1 << 30})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = hub.Run(ctx) }()

	var delivered, messages atomic.Int64
	done := make(chan struct{})
	defer close(done)
	heads := hashes(h.doc.Heads())
	hello := format.SyncMessage{Version: 0x42, Heads: heads, Have: []format.Have{{LastSync: heads}}}
	for i := 0; i < peers; i++ {
		p := &syncedPeer{testPeer: newTestPeer(fmt.Sprintf("reader-%d", i), crdt.AccessWrite), hub: hub, doc: docID, delivered: &delivered, messages: &messages}
		go p.run(done)
		hub.Receive(p, docID, crdt.InSync, hello.Encode())
	}
	writer := &syncedPeer{testPeer: newTestPeer("writer", crdt.AccessWrite), hub: hub, doc: docID, delivered: new(atomic.Int64), messages: &messages}
	go writer.run(done)
	hub.Receive(writer, docID, crdt.InSync, hello.Encode())
	for messages.Load() < int64(peers+1) { // every peer has had our answer: in sync
		time.Sleep(time.Millisecond)
	}

	fork, _ := h.doc.Fork()
	want := int64(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		_ = fork.RootMap().Set("k0", int64(i))
		hash, _ := fork.Commit("")
		c, _ := fork.Change(hash)
		msg := format.SyncMessage{Version: 0x42, Heads: []format.ChangeHash{format.ChangeHash(hash)}, Have: []format.Have{{}}, Changes: [][]byte{c.Save()}}
		data := msg.Encode()
		want += int64(peers)
		b.StartTimer()
		hub.Receive(writer, docID, crdt.InSync, data)
		for delivered.Load() < want {
			time.Sleep(5 * time.Microsecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*int64(peers)), "ns/delivery")
}

func hashes(hs []automerge.ChangeHash) []format.ChangeHash {
	out := make([]format.ChangeHash, len(hs))
	for i, h := range hs {
		out[i] = format.ChangeHash(h)
	}
	format.SortHashes(out)
	return out
}
