package crdt_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/automerge/automerge-go"

	"atelier/crdt"
	"atelier/crdt/format"
	"atelier/store"
)

// lastChange returns the raw bytes of the document's latest change.
func lastChange(t *testing.T, d *automerge.Doc) []byte {
	t.Helper()
	heads := d.Heads()
	c, err := d.Change(heads[0])
	if err != nil {
		t.Fatal(err)
	}
	return c.Save()
}

// syncedClient returns an automerge-go client that holds the layer.
func syncedClient(t *testing.T, e *env, name string) *client {
	c := newClient(t, e.hub, e.layer, name, crdt.AccessWrite)
	c.send()
	syncUntil(t, func() bool { return len(c.doc.Heads()) > 0 }, c)
	return c
}

// The same change twice in one message is stored once and fails no one.
func TestDuplicateChangeInOneMessage(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	a := syncedClient(t, e, "alice")
	a.addNode("Crate")
	raw := lastChange(t, a.doc)
	e.hub.Receive(a.peer, e.layer, crdt.InSync, syncWithChanges(raw, raw))
	syncUntil(t, func() bool { return storedCount(t, e.st, e.layer) == 2 }, a)
	if err := a.peer.err(); err != nil {
		t.Fatal(err)
	}
}

// A change waiting for a dependency, sent twice, does not inflate the
// pending budget: once the dependency arrives everything is stored, and
// later peers are not refused.
func TestDuplicatePendingChange(t *testing.T) {
	e := newEnv(t, crdt.Config{MaxPendingBytes: 4096})
	a := syncedClient(t, e, "alice")
	a.addNode("one")
	first := lastChange(t, a.doc)
	a.addNode("two")
	second := lastChange(t, a.doc)
	for range 20 { // 20 copies of a ~400-byte change would pass 4096 if counted each time
		e.hub.Receive(a.peer, e.layer, crdt.InSync, syncWithChanges(second, second))
	}
	e.hub.Receive(a.peer, e.layer, crdt.InSync, syncWithChanges(first))
	syncUntil(t, func() bool { return storedCount(t, e.st, e.layer) == 3 }, a)
	b := syncedClient(t, e, "bob")
	b.addNode("three")
	b.send()
	syncUntil(t, func() bool { return storedCount(t, e.st, e.layer) == 4 }, b)
	if a.peer.err() != nil || b.peer.err() != nil {
		t.Fatalf("failures: %v, %v", a.peer.err(), b.peer.err())
	}
}

// Two peers send the same waiting change; the first one leaves; the change
// is still stored when its dependency arrives.
func TestSharedPendingChangeSurvivesOneSender(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	a := syncedClient(t, e, "alice")
	a.addNode("one")
	first := lastChange(t, a.doc)
	a.addNode("two")
	second := lastChange(t, a.doc)
	p, q := newTestPeer("p", crdt.AccessWrite), newTestPeer("q", crdt.AccessWrite)
	e.hub.Receive(p, e.layer, crdt.InSync, syncWithChanges(second))
	e.hub.Receive(q, e.layer, crdt.InSync, syncWithChanges(second))
	e.hub.Detach(p)
	e.hub.Receive(q, e.layer, crdt.InSync, syncWithChanges(first))
	syncUntil(t, func() bool { return storedCount(t, e.st, e.layer) == 3 })
}

// A bad message that had unblocked another peer's waiting change undoes it
// too; that peer is told (so it resyncs) instead of waiting forever.
func TestUndoneChangeFailsItsSender(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	a := syncedClient(t, e, "alice")
	a.addNode("one")
	first := lastChange(t, a.doc)
	a.addNode("two")
	second := lastChange(t, a.doc)
	p, m := newTestPeer("p", crdt.AccessWrite), newTestPeer("mallory", crdt.AccessWrite)
	e.hub.Receive(p, e.layer, crdt.InSync, syncWithChanges(second))
	fc, _, err := format.ParseChange(first)
	if err != nil {
		t.Fatal(err)
	}
	// A well-formed change that breaks its actor's chain (seq 2, no seq 1):
	// refused only when staged, after first (and p's change) were.
	broken, err := format.EncodeChange(format.ChangeSpec{Deps: []format.ChangeHash{fc.Hash}, Actor: []byte{9, 9, 9, 9},
		Seq: 2, StartOp: fc.MaxOp + 1, Ops: []format.MapPut{{Key: "x", Value: int64(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	e.hub.Receive(m, e.layer, crdt.InSync, syncWithChanges(first, broken.Raw))
	waitFailed(t, m, crdt.ErrActorChain)
	waitFailed(t, p, crdt.ErrStorage)
	if n := storedCount(t, e.st, e.layer); n != 1 {
		t.Fatalf("stored %d changes, want 1", n)
	}
}

// A viewer's message with thousands of unknown heads is refused at once.
func TestTooManyHeadsRefused(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	v := newTestPeer("viewer", crdt.AccessRead)
	heads := make([]format.ChangeHash, 5000)
	for i := range heads {
		heads[i][0], heads[i][1] = byte(i>>8), byte(i)
	}
	msg := format.SyncMessage{Version: 0x42, Heads: heads, Have: []format.Have{{}}}
	start := time.Now()
	e.hub.Receive(v, e.layer, crdt.InSync, msg.Encode())
	waitFailed(t, v, crdt.ErrBadSyncMessage)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
}

// Requests for unknown documents keep no document loop.
func TestUnknownDocumentsKeepNoLoop(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	p := newTestPeer("prober", crdt.AccessWrite)
	for i := range 50 {
		id := store.DocID("unknown-" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
		e.hub.Receive(p, id, crdt.InRequest, syncWithChanges())
	}
	syncUntil(t, func() bool { return e.hub.OpenDocuments() == 0 && len(p.inbox) == 50 })
}

// failingStore fails AppendChanges while fail is set.
type failingStore struct {
	store.Store
	fail atomic.Bool
}

func (f *failingStore) AppendChanges(ctx context.Context, doc store.DocID, chs []store.Change) error {
	if f.fail.Load() {
		return errors.New("disk on fire")
	}
	return f.Store.AppendChanges(ctx, doc, chs)
}

// When the store fails an append, every peer of the document is told and
// the document reloads from the store; the change is accepted when resent.
func TestStorageFailureReloads(t *testing.T) {
	e := newEnv(t, crdt.Config{})
	e.stop()
	fs := &failingStore{Store: e.st}
	e.st = fs
	e.start(crdt.Config{})
	a := syncedClient(t, e, "alice")
	b := syncedClient(t, e, "bob")
	fs.fail.Store(true)
	a.addNode("Crate")
	a.send()
	waitFailed(t, a.peer, crdt.ErrStorage)
	waitFailed(t, b.peer, crdt.ErrStorage)
	fs.fail.Store(false)
	// The broken document closes once its queue is empty; a client that
	// reconnects after that finds it reloaded from the store.
	syncUntil(t, func() bool { return e.hub.OpenDocuments() == 0 })
	c := newClient(t, e.hub, e.layer, "alice-again", crdt.AccessWrite)
	c.doc = a.doc
	c.ss = automerge.NewSyncState(c.doc)
	c.send()
	syncUntil(t, func() bool { return storedCount(t, e.st, e.layer) == 2 }, c)
}
