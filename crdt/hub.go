package crdt

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/automerge/automerge-go"

	"atelier/store"
)

// Hub owns the open documents: it opens one on first use, routes peers'
// messages to its loop, closes it when idle, and compacts documents in the
// background.
type Hub struct {
	st  store.Store
	log *slog.Logger
	cfg Config

	mu       sync.Mutex
	docs     map[store.DocID]*Document
	peerDocs map[Peer]map[store.DocID]bool
	ctx      context.Context // the document loops' context, cancelled when Run returns
	cancel   context.CancelFunc
	stopping bool // Run is waiting for document loops to end
	wg       sync.WaitGroup

	compactions chan compactionJob
	freed       atomic.Bool // a verifier was dropped since the last GC
	stats       Stats
}

// NewHub returns a hub over st. It does no I/O and starts no goroutine;
// documents open (each with its loop) as messages are routed to them, and
// Run does the background work and the shutdown.
func NewHub(st store.Store, log *slog.Logger, cfg Config) *Hub {
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{
		st: st, log: log, cfg: cfg.withDefaults(), ctx: ctx, cancel: cancel,
		docs:        map[store.DocID]*Document{},
		peerDocs:    map[Peer]map[store.DocID]bool{},
		compactions: make(chan compactionJob, 64),
	}
}

// Run does the hub's background work (compaction) until ctx ends, then
// stops every document loop and waits for them. Peers whose messages arrive
// after that are failed with ErrClosed.
func (h *Hub) Run(ctx context.Context) error {
	h.wg.Add(1)
	go h.compactor(h.ctx)
	<-ctx.Done()
	h.mu.Lock()
	h.stopping = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
	return nil
}

// Receive routes a peer's "sync" or "request" message for a document.
func (h *Hub) Receive(p Peer, doc store.DocID, kind InKind, data []byte) {
	h.stats.SyncIn.Add(1)
	h.route(p, doc, event{kind: evSync, inKind: kind, peer: p, data: data})
}

// Ephemeral relays a peer's ephemeral message to the document's other peers.
func (h *Hub) Ephemeral(p Peer, doc store.DocID, e Ephemeral) {
	h.route(p, doc, event{kind: evEphemeral, peer: p, eph: e})
}

// Detach removes a disconnected peer from every document it synced.
func (h *Hub) Detach(p Peer) {
	h.mu.Lock()
	docs := h.peerDocs[p]
	delete(h.peerDocs, p)
	h.mu.Unlock()
	for id := range docs {
		h.route(nil, id, event{kind: evDetach, peer: p})
	}
}

// route hands an event to the document's loop, opening the document if
// needed. It blocks while the document's queue is full: backpressure on the
// peer's read loop.
func (h *Hub) route(p Peer, id store.DocID, ev event) {
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		if p != nil {
			p.Fail(ErrClosed)
		}
		return
	}
	if p != nil && !h.peerDocs[p][id] && len(h.peerDocs[p]) >= h.cfg.MaxDocsPerPeer {
		h.mu.Unlock()
		p.Fail(fmt.Errorf("%w: the limit is %d", ErrTooManyDocuments, h.cfg.MaxDocsPerPeer))
		return
	}
	d := h.docs[id]
	if d == nil {
		if ev.kind == evDetach || ev.kind == evCompacted {
			h.mu.Unlock()
			return
		}
		d = newDocument(h, id)
		h.docs[id] = d
		h.wg.Add(1)
		go func() { defer h.wg.Done(); d.run(h.ctx) }()
	}
	if p != nil {
		if h.peerDocs[p] == nil {
			h.peerDocs[p] = map[store.DocID]bool{}
		}
		h.peerDocs[p][id] = true
	}
	d.routes.Add(1)
	ctx := h.ctx
	h.mu.Unlock()
	defer d.routes.Add(-1)
	select {
	case d.events <- ev:
	case <-ctx.Done():
	}
}

// tryClose removes an idle document unless an event is on its way to it.
func (h *Hub) tryClose(d *Document) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if d.routes.Load() > 0 || len(d.events) > 0 {
		return false
	}
	delete(h.docs, d.id)
	d.log.Debug("document closed for idleness")
	return true
}

// Heads returns a document's committed heads and the ordinal of its last
// change, opening the document if needed. ErrUnavailable if it does not exist.
func (h *Hub) Heads(ctx context.Context, id store.DocID) ([]Hash, int64, error) {
	reply := make(chan headsReply, 1)
	h.route(nil, id, event{kind: evHeads, reply: reply})
	select {
	case r := <-reply:
		return r.heads, r.ordinal, r.err
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	case <-h.ctx.Done():
		return nil, 0, ErrClosed
	}
}

// MaterializeAt loads a document as it was when its log ended at ordinal
// upTo; with heads, only the ancestors of those heads (a version).
func (h *Hub) MaterializeAt(ctx context.Context, id store.DocID, upTo int64, heads []Hash) (*automerge.Doc, error) {
	if upTo <= 0 {
		return automerge.New(), nil
	}
	doc, _, err := loadDoc(ctx, h.st, id, upTo)
	if err != nil || len(heads) == 0 {
		return doc, err
	}
	hs := make([]automerge.ChangeHash, len(heads))
	for i, x := range heads {
		hs[i] = automerge.ChangeHash(x)
	}
	if sameHeads(doc.Heads(), hs) {
		return doc, nil // the prefix is exactly the version: no fork needed
	}
	return doc.Fork(hs...)
}

// OpenDocuments returns the number of documents with a running loop.
func (h *Hub) OpenDocuments() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.docs)
}

// Materialize loads a document's committed state as an automerge-go
// document, for reading (the scene API, history). It does not touch the
// document's loop.
func (h *Hub) Materialize(ctx context.Context, id store.DocID) (*automerge.Doc, error) {
	doc, _, err := loadDoc(ctx, h.st, id, 0)
	return doc, err
}

func (h *Hub) requestCompaction(job compactionJob) bool {
	select {
	case h.compactions <- job:
		return true
	default:
		return false
	}
}

// compactor writes snapshots one document at a time, and returns memory of
// dropped automerge documents to the system.
func (h *Hub) compactor(ctx context.Context) {
	defer h.wg.Done()
	gc := time.NewTicker(5 * time.Second)
	defer gc.Stop()
	trim := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-gc.C:
			if trim { // finalizers of the last cycle have run by now
				releaseCMemory()
			}
			trim = h.freed.Swap(false)
			if trim {
				runtime.GC() // automerge-go frees its C memory in finalizers
			}
		case job := <-h.compactions:
			start := time.Now()
			ordinal, err := compact(ctx, h.st, job)
			if err != nil {
				h.log.Error("compact document", "doc", string(job.id), "err", err)
			} else {
				h.stats.Compactions.Add(1)
				h.log.Debug("document compacted", "doc", string(job.id), "ordinal", ordinal, "took", time.Since(start))
			}
			h.freed.Store(true)
			h.route(nil, job.id, event{kind: evCompacted, ordinal: ordinal})
		}
	}
}

// released notes that a document dropped its automerge materialization.
func (h *Hub) released() { h.freed.Store(true) }

// sameHeads reports whether a and b hold the same hashes, in any order.
func sameHeads(a, b []automerge.ChangeHash) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
