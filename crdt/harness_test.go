package crdt_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
	"github.com/google/uuid"

	"atelier/crdt"
	"atelier/scene"
	"atelier/store"
	"atelier/store/sqlite"
)

// testPeer is a crdt.Peer with an unbounded-enough inbox, recording failures.
type testPeer struct {
	id     crdt.PeerID
	user   string
	access crdt.Access
	inbox  chan crdt.Outbound

	mu     sync.Mutex
	failed error
}

func newTestPeer(id string, access crdt.Access) *testPeer {
	return &testPeer{id: crdt.PeerID(id), user: id, access: access, inbox: make(chan crdt.Outbound, 1<<14)}
}

func (p *testPeer) ID() crdt.PeerID                  { return p.id }
func (p *testPeer) User() string                     { return p.user }
func (p *testPeer) Access(store.WorldID) crdt.Access { return p.access }

func (p *testPeer) Deliver(m crdt.Outbound) bool {
	select {
	case p.inbox <- m:
		return true
	default:
		return false
	}
}

func (p *testPeer) Fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		p.failed = err
	}
}

func (p *testPeer) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// client is an automerge-go replica syncing with the hub through a testPeer:
// the reference implementation of the protocol's other side.
type client struct {
	t    *testing.T
	hub  *crdt.Hub
	peer *testPeer
	id   store.DocID
	doc  *automerge.Doc
	ss   *automerge.SyncState
	unav bool // received doc-unavailable
}

func newClient(t *testing.T, hub *crdt.Hub, id store.DocID, name string, access crdt.Access) *client {
	doc := automerge.New()
	return &client{t: t, hub: hub, peer: newTestPeer(name, access), id: id, doc: doc, ss: automerge.NewSyncState(doc)}
}

// send generates and sends our next sync message, if any.
func (c *client) send() {
	if msg, ok := c.ss.GenerateMessage(); ok {
		c.hub.Receive(c.peer, c.id, crdt.InSync, msg.Bytes())
	}
}

// pump handles every queued inbound message, answering each.
func (c *client) pump() {
	for {
		select {
		case m := <-c.peer.inbox:
			switch m.Kind {
			case crdt.OutSync:
				if _, err := c.ss.ReceiveMessage(m.Data); err != nil {
					c.t.Fatalf("%s: receive: %v", c.peer.id, err)
				}
				c.send()
			case crdt.OutUnavailable:
				c.unav = true
			}
		default:
			return
		}
	}
}

// syncUntil pumps the clients until cond holds, failing after 10s.
func syncUntil(t *testing.T, cond func() bool, clients ...*client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
		for _, c := range clients {
			c.pump()
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func headsEqual(a, b *automerge.Doc) bool {
	ha, hb := a.Heads(), b.Heads()
	if len(ha) != len(hb) {
		return false
	}
	for i := range ha {
		if ha[i] != hb[i] {
			return false
		}
	}
	return true
}

// env is a hub over a fresh SQLite store holding one world with one layer.
type env struct {
	st    store.Store
	hub   *crdt.Hub
	world store.World
	layer store.DocID
	stop  func()
}

func newEnv(t *testing.T, cfg crdt.Config) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/atelier.db")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{st: st}
	e.world, e.layer = createWorld(t, st)
	e.start(cfg)
	t.Cleanup(func() { e.stop(); _ = st.Close() })
	return e
}

func (e *env) start(cfg crdt.Config) {
	e.hub = crdt.NewHub(e.st, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.hub.Run(ctx); close(done) }()
	e.stop = func() { cancel(); <-done }
}

// createWorld stores a world whose layer document is scene.NewLayerDoc.
func createWorld(t *testing.T, st store.Store) (store.World, store.DocID) {
	t.Helper()
	layerDoc, err := scene.NewLayerDoc()
	if err != nil {
		t.Fatal(err)
	}
	w := store.World{ID: store.WorldID(uuid.NewString()), Name: "Harbor", Manifest: "2W9GC6YQFn8ymzPq8PJp3UgFTwZ9", CreatedAt: time.Now()}
	lid := store.DocID("3kZjqV6qQ1V4WXD2DMHd1sU7aGAq")
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
	err = st.CreateWorld(context.Background(), w, []store.NewDocument{
		{Document: store.Document{ID: w.Manifest, World: w.ID, Kind: store.KindManifest}, Changes: mchs},
		{Document: store.Document{ID: lid, World: w.ID, Kind: store.KindLayer}, Changes: lchs},
	})
	if err != nil {
		t.Fatal(err)
	}
	return w, lid
}

// addNode commits one new node on the client's document.
func (c *client) addNode(name string) string {
	c.t.Helper()
	id := uuid.NewString()
	if err := scene.AddNode(c.doc, scene.Node{ID: scene.NodeID(id), Name: name, Kind: "mesh"}); err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.doc.Commit("add " + name); err != nil {
		c.t.Fatal(err)
	}
	return id
}

func storedCount(t *testing.T, st store.Store, id store.DocID) int {
	t.Helper()
	idx, err := st.ChangeIndex(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(idx)
}

func waitFailed(t *testing.T, p *testPeer, want error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.err() == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := p.err(); !errors.Is(err, want) {
		t.Fatalf("peer %s failed with %v, want %v", p.id, err, want)
	}
}
