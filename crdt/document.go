package crdt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/automerge/automerge-go"

	"atelier/crdt/format"
	"atelier/store"
)

type evKind int

const (
	evSync evKind = iota
	evEphemeral
	evDetach
	evCompacted
	evHeads
	evSubmit
	evEdit
)

// event is something a document loop handles.
type event struct {
	kind    evKind
	inKind  InKind
	peer    Peer
	data    []byte
	eph     Ephemeral
	ordinal int64           // evCompacted
	reply   chan headsReply // evHeads
	done    chan error      // evSubmit, evEdit: nil once committed
	edit    EditFunc        // evEdit
	ctx     context.Context // evEdit: the caller's
}

// headsReply answers an evHeads query.
type headsReply struct {
	heads   []Hash
	ordinal int64
	err     error
}

// docPeer is a peer syncing this document.
type docPeer struct {
	p      Peer
	access Access
	st     peerState
}

// pendingChange waits for dependencies the document does not have yet.
type pendingChange struct {
	ch      *format.Change
	senders []PeerID // every attached peer that sent it; the first one's user is recorded
	user    string
	since   time.Time
}

func (pc *pendingChange) addSender(id PeerID) {
	if !slices.Contains(pc.senders, id) {
		pc.senders = append(pc.senders, id)
	}
}

// Document is one open automerge document: its change graph, its peers and
// their sync states, changes waiting for dependencies, and (while written)
// an automerge-go materialization used to verify changes. Everything but
// the routing counters is owned by the document's goroutine.
type Document struct {
	id     store.DocID
	hub    *Hub
	log    *slog.Logger
	events chan event
	routes atomic.Int32 // events being routed to this document right now

	meta         store.Document
	unavailable  bool  // the document does not exist
	broken       error // the store failed: every peer is refused until the loop closes
	g            *Graph
	peers        map[PeerID]*docPeer
	pending      map[Hash]*pendingChange
	waiting      map[Hash][]Hash // missing dependency → pending changes waiting for it
	pendingBytes int
	cache        *rawCache
	verifier     *automerge.Doc
	lastWrite    time.Time
	lastActive   time.Time
	snapshotAt   int64
	compacting   bool

	batch batchState
	evbuf []event // reused by drain
}

// batchState is what one turn of the loop has accepted so far.
type batchState struct {
	staged  []store.Change
	senders [][]PeerID // senders[i] sent staged[i]
	done    []processed
	submits []chan error // answered once the batch is committed
}

// processed is an inbound sync message the batch handled.
type processed struct {
	dp     *docPeer
	msg    *format.SyncMessage
	blooms []format.Bloom
	hashes []Hash // every change in the message
}

func newDocument(h *Hub, id store.DocID) *Document {
	return &Document{
		id:      id,
		hub:     h,
		log:     h.log.With("doc", string(id)),
		events:  make(chan event, h.cfg.QueueLen),
		g:       NewGraph(),
		peers:   map[PeerID]*docPeer{},
		pending: map[Hash]*pendingChange{},
		waiting: map[Hash][]Hash{},
		cache:   newRawCache(h.cfg.CacheBytes),
	}
}

// run is the document's loop: load, then handle events in batches until
// the document is idle or broken, or the hub stops.
func (d *Document) run(ctx context.Context) {
	if err := d.load(ctx); errors.Is(err, store.ErrNotFound) {
		d.unavailable = true
	} else if err != nil {
		d.log.Error("load document", "err", err)
		d.broken = err
	}
	d.lastActive = time.Now()
	tick := time.NewTicker(d.hub.cfg.Tick)
	defer tick.Stop()
	for {
		select {
		case ev := <-d.events:
			d.handleBatch(ctx, d.drain(ev))
			// Unknown or broken documents keep no loop: the next message
			// opens (and looks up) the document again.
			if (d.unavailable || d.broken != nil) && d.hub.tryClose(d) {
				return
			}
		case now := <-tick.C:
			if d.housekeep(now) {
				return
			}
		case <-ctx.Done():
			d.dropVerifier()
			return
		}
	}
}

// drain collects ev and whatever else is already queued, up to the queue's length.
func (d *Document) drain(ev event) []event {
	clear(d.evbuf) // drop references to the last batch's messages
	batch := append(d.evbuf[:0], ev)
	defer func() { d.evbuf = batch }()
	for len(batch) < cap(d.events) {
		select {
		case ev := <-d.events:
			batch = append(batch, ev)
		default:
			return batch
		}
	}
	return batch
}

// load reads the document's metadata and change index from the store.
func (d *Document) load(ctx context.Context) error {
	meta, err := d.hub.st.GetDocument(ctx, d.id)
	if err != nil {
		return err
	}
	d.meta = meta
	idx, err := d.hub.st.ChangeIndex(ctx, d.id, 0)
	if err != nil {
		return fmt.Errorf("load change index: %w", err)
	}
	for _, m := range idx {
		deps := make([]Hash, len(m.Deps))
		for i, h := range m.Deps {
			deps[i] = Hash(h)
		}
		if _, err := d.g.Add(Hash(m.Hash), deps, m.Actor, m.Seq, m.Size); err != nil {
			return fmt.Errorf("rebuild change graph at ordinal %d: %w", m.Ordinal, err)
		}
	}
	if snap, err := d.hub.st.LatestSnapshot(ctx, d.id); err == nil {
		d.snapshotAt = snap.Ordinal
	}
	d.log.Debug("document loaded", "changes", d.g.Len(), "actors", d.g.NumActors())
	return nil
}

// handleBatch processes a batch of events: it stages every acceptable
// change, commits them to the store in one transaction, and only then
// answers the senders and fans the new changes out.
func (d *Document) handleBatch(ctx context.Context, evs []event) {
	d.lastActive = time.Now()
	before := d.g.Heads()
	d.batch = batchState{}
	for _, ev := range evs {
		d.handleEvent(ev)
	}
	submits := d.batch.submits
	if len(d.batch.staged) > 0 && !d.commit(ctx) {
		for _, c := range submits {
			c <- fmt.Errorf("%w: %w", ErrStorage, d.broken)
		}
		return
	}
	for _, c := range submits {
		c <- nil
	}
	committed, nChanges := time.Now(), len(d.batch.staged)
	after := d.g.Heads()
	defer func() {
		if d.log.Enabled(ctx, slog.LevelDebug-4) {
			d.log.Log(ctx, slog.LevelDebug-4, "batch", "events", len(evs), "changes", nChanges, "ingest+commit", committed.Sub(d.lastActive), "fanout", time.Since(committed))
		}
	}()
	for _, pm := range d.batch.done {
		if d.peers[pm.dp.p.ID()] != pm.dp {
			continue // failed or left during the batch
		}
		pm.dp.st.receive(d.g, pm.msg, pm.blooms, before, after, d.known(pm.hashes))
	}
	d.syncPeers(after, !slices.Equal(before, after))
}

func (d *Document) handleEvent(ev event) {
	switch ev.kind {
	case evDetach:
		if dp, ok := d.peers[ev.peer.ID()]; ok && dp.p == ev.peer {
			d.detach(dp)
		}
	case evHeads:
		switch {
		case d.unavailable:
			ev.reply <- headsReply{err: ErrUnavailable}
		case d.broken != nil:
			ev.reply <- headsReply{err: fmt.Errorf("%w: %w", ErrStorage, d.broken)}
		default:
			ev.reply <- headsReply{heads: d.g.Heads(), ordinal: int64(d.g.Len())}
		}
	case evCompacted:
		d.snapshotAt, d.compacting = max(d.snapshotAt, ev.ordinal), false
	case evEphemeral:
		if dp := d.attach(ev.peer); dp != nil {
			d.relay(dp, ev.eph)
		}
	case evSubmit:
		d.submit(ev)
	case evEdit:
		d.edit(ev)
	case evSync:
		if d.broken != nil {
			ev.peer.Fail(fmt.Errorf("%w: %w", ErrStorage, d.broken))
			return
		}
		dp := d.attach(ev.peer)
		if dp == nil {
			return
		}
		pm, err := d.ingest(dp, ev.data)
		if err != nil {
			d.fail(dp, err)
			return
		}
		d.batch.done = append(d.batch.done, pm)
	}
}

// commit appends the batch's staged changes to the store in one transaction.
func (d *Document) commit(ctx context.Context) bool {
	start := time.Now()
	err := d.hub.st.AppendChanges(ctx, d.id, d.batch.staged)
	d.hub.stats.Commits.Add(1)
	d.hub.stats.CommitNanos.Add(int64(time.Since(start)))
	if err == nil {
		d.hub.stats.ChangesAccepted.Add(int64(len(d.batch.staged)))
		for i := range d.batch.staged {
			c := &d.batch.staged[i]
			// Copy: c.Raw aliases the whole inbound message's buffer.
			d.cache.put(int32(c.Ordinal-1), bytes.Clone(c.Raw))
		}
		d.lastWrite = time.Now()
		d.maybeCompact()
		if f := d.hub.cfg.OnCommit; f != nil {
			f(d.id, d.batch.staged[len(d.batch.staged)-1].Ordinal)
		}
		return true
	}
	// The append may or may not have reached the store (a connection lost
	// around COMMIT): rather than guess, the document stops, every peer is
	// told, and the next message reloads it from the store. Peers resend
	// whatever the store lacks when they resync.
	d.log.Error("append changes", "err", err, "changes", len(d.batch.staged))
	d.broken = err
	d.dropVerifier()
	for _, dp := range d.peers {
		d.fail(dp, fmt.Errorf("%w: %w", ErrStorage, err))
	}
	d.batch = batchState{}
	return false
}

// known returns the graph indexes of the hashes the graph holds.
func (d *Document) known(hs []Hash) []int32 {
	out := make([]int32, 0, len(hs))
	for _, h := range hs {
		if i, ok := d.g.Lookup(h); ok {
			out = append(out, i)
		}
	}
	return out
}

// attach returns the peer's state for this document, creating it on first
// contact. A peer without access gets doc-unavailable and nil.
func (d *Document) attach(p Peer) *docPeer {
	if dp, ok := d.peers[p.ID()]; ok && dp.p == p {
		return dp
	}
	access := AccessNone
	if !d.unavailable {
		access = p.Access(d.meta.World)
	}
	if access == AccessNone {
		p.Deliver(Outbound{Kind: OutUnavailable, Doc: d.id})
		return nil
	}
	if old, ok := d.peers[p.ID()]; ok { // same peer id, new connection
		d.detach(old)
	}
	dp := &docPeer{p: p, access: access}
	d.peers[p.ID()] = dp
	return dp
}

// detach forgets a peer and drops the changes only it sent that still wait
// for dependencies: it was never told they were stored.
func (d *Document) detach(dp *docPeer) {
	id := dp.p.ID()
	if d.peers[id] != dp {
		return
	}
	delete(d.peers, id)
	d.forgetSender(id)
}

// forgetSender removes id from the senders of every pending change and
// drops the changes no one else sent.
func (d *Document) forgetSender(id PeerID) {
	for h, pc := range d.pending {
		pc.senders = slices.DeleteFunc(pc.senders, func(s PeerID) bool { return s == id })
		if len(pc.senders) == 0 {
			d.dropPending(h)
		}
	}
}

// fail reports err to the peer and detaches it.
func (d *Document) fail(dp *docPeer, err error) {
	d.log.Info("peer failed", "peer", string(dp.p.ID()), "user", dp.p.User(), "err", err)
	d.hub.stats.PeerFailures.Add(1)
	dp.p.Fail(err)
	d.detach(dp)
}

// relay forwards an ephemeral message to the document's other peers.
func (d *Document) relay(from *docPeer, e Ephemeral) {
	out := Outbound{Kind: OutEphemeral, Doc: d.id, Data: e.Data, From: from.p.ID(), Count: e.Count, SessionID: e.SessionID}
	for id, dp := range d.peers {
		if id == from.p.ID() {
			continue
		}
		if !dp.p.Deliver(out) {
			d.fail(dp, ErrSlowPeer)
		}
	}
}

// housekeep evicts the verifier, times out pending changes and reports
// whether the document closed for idleness.
func (d *Document) housekeep(now time.Time) bool {
	if d.verifier != nil && now.Sub(d.lastWrite) > d.hub.cfg.VerifierIdle {
		// Quiet now: keep only the graph. Peers still catching up read
		// changes from the store.
		d.compactIdle()
		d.dropVerifier()
		d.cache = newRawCache(d.hub.cfg.CacheBytes)
	}
	for _, pc := range d.pending {
		if now.Sub(pc.since) <= d.hub.cfg.DepsTimeout {
			continue
		}
		for _, id := range slices.Clone(pc.senders) {
			if dp, ok := d.peers[id]; ok {
				d.fail(dp, fmt.Errorf("%w: change %s waited %s", ErrMissingDeps, pc.ch.Hash, d.hub.cfg.DepsTimeout))
			}
		}
	}
	if d.unavailable || d.broken != nil {
		return d.hub.tryClose(d)
	}
	if len(d.peers) > 0 || now.Sub(d.lastActive) < d.hub.cfg.DocIdle {
		return false
	}
	return d.hub.tryClose(d)
}
