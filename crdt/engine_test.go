package crdt_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/automerge/automerge-go"

	"atelier/crdt"
	"atelier/crdt/format"
	"atelier/scene"
	"atelier/store"
)

// Two automerge-go replicas sync through the engine: a fresh client gets the
// document, an edit reaches the other, concurrent edits merge, and every
// accepted change is in the store.
func TestTwoClientsConverge(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	a := newClient(t, e.hub, e.layer, "alice", crdt.AccessWrite)
	b := newClient(t, e.hub, e.layer, "bob", crdt.AccessWrite)
	a.send()
	b.send()
	syncUntil(t, func() bool { return len(a.doc.Heads()) > 0 && headsEqual(a.doc, b.doc) }, a, b)
	if _, err := scene.ReadLayer(a.doc); err != nil {
		t.Fatalf("client did not receive the layer: %v", err)
	}

	id := a.addNode("Crate")
	a.send()
	syncUntil(t, func() bool { return headsEqual(a.doc, b.doc) }, a, b)
	st, err := scene.ReadLayer(b.doc)
	if err != nil || st.Nodes[scene.NodeID(id)] == nil {
		t.Fatalf("bob does not see alice's node: %v", err)
	}

	// Concurrent edits of different properties of the same node both survive.
	if err := a.doc.Path("nodes", id, "name").Set("Big Crate"); err != nil {
		t.Fatal(err)
	}
	if err := b.doc.Path("nodes", id, "transform", "t", 1).Set(2.5); err != nil {
		t.Fatal(err)
	}
	_, _ = a.doc.Commit("rename")
	_, _ = b.doc.Commit("move")
	a.send()
	b.send()
	syncUntil(t, func() bool {
		return headsEqual(a.doc, b.doc) && len(a.doc.Heads()) >= 1 && storedCount(t, e.st, e.layer) == 4
	}, a, b)
	for _, c := range []*client{a, b} {
		st, _ := scene.ReadLayer(c.doc)
		n := st.Nodes[scene.NodeID(id)]
		if n.Name != "Big Crate" || n.Transform.T[1] != 2.5 {
			t.Fatalf("%s: node %+v, want both edits", c.peer.id, n)
		}
	}
	if a.peer.err() != nil || b.peer.err() != nil {
		t.Fatalf("unexpected failures: %v %v", a.peer.err(), b.peer.err())
	}
}

// Every change stored in the engine comes back after a restart, and a new
// client gets exactly the stored document.
func TestRestartKeepsEverything(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	a := newClient(t, e.hub, e.layer, "alice", crdt.AccessWrite)
	a.send()
	syncUntil(t, func() bool { return len(a.doc.Heads()) > 0 }, a)
	for i := 0; i < 20; i++ {
		a.addNode("n")
		a.send()
		a.pump()
	}
	syncUntil(t, func() bool { return storedCount(t, e.st, e.layer) == 21 }, a)
	e.stop()
	e.start(crdt.Config{})
	b := newClient(t, e.hub, e.layer, "bob", crdt.AccessWrite)
	b.send()
	syncUntil(t, func() bool { return headsEqual(a.doc, b.doc) }, b)
	doc, err := e.hub.Materialize(context.Background(), e.layer)
	if err != nil {
		t.Fatal(err)
	}
	if !headsEqual(doc, a.doc) {
		t.Fatal("materialized document differs from the client's")
	}
}

// A viewer's changes are refused and nothing is stored; the writer is untouched.
func TestViewerChangesRefused(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	v := newClient(t, e.hub, e.layer, "viewer", crdt.AccessRead)
	w := newClient(t, e.hub, e.layer, "writer", crdt.AccessWrite)
	v.send()
	w.send()
	syncUntil(t, func() bool { return len(v.doc.Heads()) > 0 && headsEqual(v.doc, w.doc) }, v, w)
	v.addNode("sneaky")
	v.send()
	syncUntil(t, func() bool { return v.peer.err() != nil }, v, w)
	waitFailed(t, v.peer, crdt.ErrReadOnly)
	if n := storedCount(t, e.st, e.layer); n != 1 {
		t.Fatalf("stored %d changes, want 1", n)
	}
	w.addNode("fine")
	w.send()
	syncUntil(t, func() bool { return storedCount(t, e.st, e.layer) == 2 }, w)
	if w.peer.err() != nil {
		t.Fatalf("writer failed: %v", w.peer.err())
	}
}

// Bad input fails only the sender and stores nothing.
func TestBadInput(t *testing.T) {
	goodChange := func(t *testing.T) []byte {
		d := automerge.New()
		_ = d.RootMap().Set("x", 1)
		h, _ := d.Commit("x")
		c, _ := d.Change(h)
		return c.Save()
	}
	cases := []struct {
		name string
		data func(t *testing.T) []byte
		want error
	}{
		{"garbage", func(*testing.T) []byte { return []byte{0x42, 0xff, 0xff, 0xff} }, crdt.ErrBadSyncMessage},
		{"empty", func(*testing.T) []byte { return []byte{} }, crdt.ErrBadSyncMessage},
		{"wrong type byte", func(*testing.T) []byte { return []byte{0x99, 0, 0, 0, 0} }, crdt.ErrBadSyncMessage},
		{"corrupt change", func(t *testing.T) []byte {
			raw := goodChange(t)
			raw[len(raw)-1] ^= 0xff
			return syncWithChanges(raw)
		}, crdt.ErrBadChange},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, crdt.Config{})
			p := newTestPeer("mallory", crdt.AccessWrite)
			e.hub.Receive(p, e.layer, crdt.InSync, tc.data(t))
			waitFailed(t, p, tc.want)
			if n := storedCount(t, e.st, e.layer); n != 1 {
				t.Fatalf("stored %d changes, want 1", n)
			}
		})
	}
}

// A change whose dependencies never arrive times out; nothing is stored.
func TestMissingDepsTimeout(t *testing.T) {
	e := newEnv(t, crdt.Config{DepsTimeout: 200 * time.Millisecond, Tick: 20 * time.Millisecond})
	d := automerge.New()
	_ = d.RootMap().Set("x", 1)
	_, _ = d.Commit("first")
	_ = d.RootMap().Set("x", 2)
	h, _ := d.Commit("second")
	second, _ := d.Change(h)
	p := newTestPeer("mallory", crdt.AccessWrite)
	e.hub.Receive(p, e.layer, crdt.InSync, syncWithChanges(second.Save()))
	waitFailed(t, p, crdt.ErrMissingDeps)
	if n := storedCount(t, e.st, e.layer); n != 1 {
		t.Fatalf("stored %d changes, want 1", n)
	}
}

// Unknown documents are unavailable.
func TestUnknownDocumentUnavailable(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	c := newClient(t, e.hub, "4NN7QuoRVXdUcH1SXQRkeLQ2p6Rn", "alice", crdt.AccessWrite)
	c.send()
	syncUntil(t, func() bool { return c.unav }, c)
}

// syncWithChanges is a V1 sync message carrying raw change chunks.
func syncWithChanges(raws ...[]byte) []byte {
	m := format.SyncMessage{Version: 0x42, Have: []format.Have{{}}, Changes: raws}
	return m.Encode()
}

// A V2 message carrying a whole-document chunk (what automerge 3 sends a
// peer that advertised V2) is accepted: its new changes are stored.
func TestV2DocumentChunk(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	a := newClient(t, e.hub, e.layer, "alice", crdt.AccessWrite)
	a.send()
	syncUntil(t, func() bool { return len(a.doc.Heads()) > 0 }, a)
	a.addNode("Crate")
	msg := format.SyncMessage{Version: 0x43, Heads: hashesOf(a.doc), Have: []format.Have{{}}, Changes: [][]byte{a.doc.Save()}}
	e.hub.Receive(a.peer, e.layer, crdt.InSync, msg.Encode())
	syncUntil(t, func() bool { return storedCount(t, e.st, e.layer) == 2 }, a)
	if err := a.peer.err(); err != nil {
		t.Fatal(err)
	}
}

// A document without peers is closed after DocIdle and opens again on demand
// with everything in it.
func TestIdleDocumentClosesAndReopens(t *testing.T) {
	e := newEnv(t, crdt.Config{DocIdle: 100 * time.Millisecond, VerifierIdle: 50 * time.Millisecond, Tick: 10 * time.Millisecond})
	a := newClient(t, e.hub, e.layer, "alice", crdt.AccessWrite)
	a.send()
	syncUntil(t, func() bool { return len(a.doc.Heads()) > 0 }, a)
	a.addNode("Crate")
	a.send()
	syncUntil(t, func() bool { return storedCount(t, e.st, e.layer) == 2 }, a)
	e.hub.Detach(a.peer)
	syncUntil(t, func() bool { return e.hub.OpenDocuments() == 0 && e.hub.Stats().Verifiers.Load() == 0 })
	b := newClient(t, e.hub, e.layer, "bob", crdt.AccessWrite)
	b.send()
	syncUntil(t, func() bool { return headsEqual(a.doc, b.doc) }, b)
	if e.hub.OpenDocuments() != 1 {
		t.Fatalf("%d open documents, want 1", e.hub.OpenDocuments())
	}
}

func hashesOf(d *automerge.Doc) []format.ChangeHash { return hashes(d.Heads()) }

// Changes the server writes itself are committed, attributed, and reach
// peers; a change on unknown dependencies is refused and nothing is kept.
func TestSubmit(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	a := syncedClient(t, e, "alice")
	ctx := context.Background()
	doc, err := e.hub.Materialize(ctx, e.layer)
	if err != nil {
		t.Fatal(err)
	}
	if err := scene.AddNode(doc, scene.Node{ID: "0b5a3f9e-54c7-4b0e-9a7e-7c7c3c0f9a11", Name: "Restored"}); err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Commit("restore"); err != nil {
		t.Fatal(err)
	}
	raw := lastChange(t, doc)
	if err := e.hub.Submit(ctx, e.layer, "bob", [][]byte{raw}); err != nil {
		t.Fatal(err)
	}
	chs, _ := e.st.Changes(ctx, e.layer, 2, 2)
	if len(chs) != 1 || chs[0].User != "bob" {
		t.Fatalf("stored %+v", chs)
	}
	syncUntil(t, func() bool { st, _ := scene.ReadLayer(a.doc); return st != nil && len(st.Nodes) == 1 }, a)

	orphan := automerge.New()
	_ = orphan.RootMap().Set("x", 1)
	_, _ = orphan.Commit("one")
	_ = orphan.RootMap().Set("x", 2)
	_, _ = orphan.Commit("two")
	if err := e.hub.Submit(ctx, e.layer, "bob", [][]byte{lastChange(t, orphan)}); !errors.Is(err, crdt.ErrBadChange) {
		t.Fatalf("change on unknown deps: %v", err)
	}
	if err := e.hub.Submit(ctx, e.layer, "bob", [][]byte{{1, 2, 3}}); !errors.Is(err, crdt.ErrBadChange) {
		t.Fatalf("garbage: %v", err)
	}
	if n := storedCount(t, e.st, e.layer); n != 2 {
		t.Fatalf("stored %d changes, want 2", n)
	}
}

// OnCommit hears of every commit once it is in the store, with the
// ordinal the document's log now ends at.
func TestOnCommit(t *testing.T) {
	var (
		mu     sync.Mutex
		docs   = map[store.DocID]bool{}
		heard  []int64
		latest = func() int64 {
			mu.Lock()
			defer mu.Unlock()
			if len(heard) == 0 {
				return 0
			}
			return heard[len(heard)-1]
		}
	)
	e := newEnv(t, crdt.Config{OnCommit: func(doc store.DocID, ordinal int64) {
		mu.Lock()
		defer mu.Unlock()
		docs[doc] = true
		heard = append(heard, ordinal)
	}})
	a := newClient(t, e.hub, e.layer, "alice", crdt.AccessWrite)
	a.send()
	syncUntil(t, func() bool { return len(a.doc.Heads()) > 0 }, a)
	for range 5 {
		a.addNode("n")
		a.send()
		a.pump()
	}
	syncUntil(t, func() bool { return latest() == 6 }, a)
	if n := storedCount(t, e.st, e.layer); n != 6 {
		t.Fatalf("OnCommit heard of ordinal 6 with %d changes stored", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(docs) != 1 || !docs[e.layer] {
		t.Fatalf("OnCommit heard of documents %v, want only the layer", docs)
	}
	for i := 1; i < len(heard); i++ {
		if heard[i] <= heard[i-1] {
			t.Fatalf("OnCommit heard ordinals %v, want them increasing", heard)
		}
	}
}

// TestEdit runs server edits inside the document's loop: the change is
// stored, attributed and reaches peers; consecutive edits build on each
// other's state; a failing edit or one that changes nothing stores
// nothing; an unknown document is refused.
func TestEdit(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	a := syncedClient(t, e, "alice")
	ctx := context.Background()
	ids := []scene.NodeID{"0b5a3f9e-54c7-4b0e-9a7e-7c7c3c0f9a11", "0b5a3f9e-54c7-4b0e-9a7e-7c7c3c0f9a12"}
	for i, id := range ids {
		err := e.hub.Edit(ctx, e.layer, "bob", func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
			st, err := scene.ReadLayer(doc)
			if err != nil || len(st.Nodes) != i {
				return automerge.ChangeHash{}, false, fmt.Errorf("edit %d sees %d nodes (%v)", i, len(st.Nodes), err)
			}
			h, err := scene.CreateNode(doc, scene.Node{ID: id, Name: "Edited"}, scene.Position{}, scene.OpOptions{Author: "bob"})
			return h, err == nil, err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	chs, _ := e.st.Changes(ctx, e.layer, 2, 0)
	if len(chs) != 2 || chs[0].User != "bob" || chs[1].User != "bob" {
		t.Fatalf("stored %+v", chs)
	}
	syncUntil(t, func() bool { st, _ := scene.ReadLayer(a.doc); return st != nil && len(st.Nodes) == 2 }, a)

	boom := errors.New("boom")
	err := e.hub.Edit(ctx, e.layer, "bob", func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
		_ = doc.RootMap().Set("junk", 1) // left uncommitted: the state must be thrown away
		return automerge.ChangeHash{}, false, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing edit: %v", err)
	}
	err = e.hub.Edit(ctx, e.layer, "bob", func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
		if v, _ := doc.RootMap().Get("junk"); v.Kind() != automerge.KindVoid {
			return automerge.ChangeHash{}, false, errors.New("a failed edit's operations survived")
		}
		return automerge.ChangeHash{}, false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := storedCount(t, e.st, e.layer); n != 3 {
		t.Fatalf("stored %d changes, want 3", n)
	}
	err = e.hub.Edit(ctx, e.layer, "bob", func(*automerge.Doc) (automerge.ChangeHash, bool, error) { panic("bug in an edit") })
	if err == nil {
		t.Fatal("a panicking edit reported success")
	}
	nop := func(*automerge.Doc) (automerge.ChangeHash, bool, error) { return automerge.ChangeHash{}, false, nil }
	if err := e.hub.Edit(ctx, store.DocID("2bXk3u1nNrpo9HwYkBdAMnZo6KtX"), "bob", nop); !errors.Is(err, crdt.ErrUnavailable) {
		t.Fatalf("unknown document: %v", err)
	}
}

// An edit whose caller already gave up is not run, and one that breaks the
// EditFunc contract (operations left behind under "no change", or more
// than its one change) is refused with nothing stored, and its operations
// never reach a later edit's change.
func TestEditRefusals(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := e.hub.Edit(ctx, e.layer, "bob", func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
		ran = true
		return automerge.ChangeHash{}, false, nil
	})
	if err == nil {
		t.Fatal("an edit with a done context reported success")
	}
	bg := context.Background()
	err = e.hub.Edit(bg, e.layer, "bob", func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
		_ = doc.RootMap().Set("junk", 1)
		return automerge.ChangeHash{}, false, nil
	})
	if err == nil {
		t.Fatal("an edit that left operations behind under 'no change' was accepted")
	}
	err = e.hub.Edit(bg, e.layer, "bob", func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
		_ = doc.RootMap().Set("junk", 2)
		if _, err := doc.Commit("first"); err != nil {
			return automerge.ChangeHash{}, false, err
		}
		_ = doc.RootMap().Set("ok", 1)
		h, err := doc.Commit("second")
		return h, err == nil, err
	})
	if err == nil {
		t.Fatal("an edit that made two changes was accepted")
	}
	err = e.hub.Edit(bg, e.layer, "bob", func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
		_ = doc.RootMap().Set("ok", 1)
		h, err := doc.Commit("ok")
		return h, err == nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.hub.Materialize(bg, e.layer)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := d.RootMap().Get("junk"); v.Kind() != automerge.KindVoid {
		t.Fatalf("the store holds junk=%v from a refused edit", v)
	}
	if n := storedCount(t, e.st, e.layer); ran || n != 2 {
		t.Fatalf("ran the cancelled edit: %v; stored %d changes, want 2", ran, n)
	}
}
