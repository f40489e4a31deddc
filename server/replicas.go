package server

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"atelier/crdt"
	"atelier/crdt/history"
	"atelier/scene"
	"atelier/store"
)

// layerCache keeps the states of recently read layers, so the scene API,
// time travel, diff, restore and revert do not replay a log each time: per
// document its current state (a history.Replica advanced as changes are
// committed, so a read costs only the new changes) and a few pinned
// versions (read once: the editor's time travel, then a diff against now,
// then a restore from that version read the same one). A version of a
// document whose current replica is cached is read from that replica
// (history.Replica.At: no replay); otherwise its log is replayed up to the
// version. The cache is bounded by size, not by count, so that all the
// layers of a world fit when they are small and a scan of a world's layers
// does not evict each one just before it is read again: current entries
// hold their replica (~720 B per change: 72 MB for a 10k-node layer with
// 100k changes) within maxCurrentChanges changes in all, pinned ones only
// their decoded state within maxPinnedNodes nodes in all; the least
// recently used entries of a kind go first, the one just read never.
//
// The states it returns are shared: callers must not modify them.
type layerCache struct {
	st   store.Store
	hub  *crdt.Hub
	mu   sync.Mutex
	ents map[layerKey]*layerEntry
	tick uint64
}

// Cache budgets.
const (
	maxCurrentChanges = 400_000 // changes held by current replicas (~290 MB)
	maxPinnedNodes    = 200_000 // nodes held by decoded versions
)

// layerKey names a layer state: a document at a pin, or (not pinned) as
// committed now.
type layerKey struct {
	doc     store.DocID
	pinned  bool
	ordinal int64
	heads   string
}

type layerEntry struct {
	size    atomic.Int64 // changes (current) or nodes (pinned) it holds, for the budget
	mu      sync.Mutex
	r       *history.Replica // current entries only
	ordinal int64            // the log ordinal the state reflects
	state   *scene.LayerState
	tree    *scene.Tree // Resolve(state), built on demand
	used    uint64
}

func newLayerCache(st store.Store, hub *crdt.Hub) *layerCache {
	return &layerCache{st: st, hub: hub, ents: map[layerKey]*layerEntry{}}
}

// state returns a layer's state at p, or as committed now when p is nil.
func (lc *layerCache) state(ctx context.Context, doc store.DocID, p *pin) (*scene.LayerState, error) {
	e, err := lc.read(ctx, doc, p)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	return e.state, nil
}

// tree returns the resolved tree of a layer at p (nil: now).
func (lc *layerCache) tree(ctx context.Context, doc store.DocID, p *pin) (*scene.Tree, *scene.LayerState, error) {
	e, err := lc.read(ctx, doc, p)
	if err != nil {
		return nil, nil, err
	}
	defer e.mu.Unlock()
	if e.tree == nil {
		e.tree = scene.Resolve(e.state)
	}
	return e.tree, e.state, nil
}

// read returns the entry of doc at p with its state up to date, locked.
func (lc *layerCache) read(ctx context.Context, doc store.DocID, p *pin) (*layerEntry, error) {
	key := layerKey{doc: doc}
	if p != nil {
		key.pinned, key.ordinal, key.heads = true, p.Ordinal, headsKey(p.Heads)
	}
	e := lc.entry(key)
	e.mu.Lock()
	err := lc.fill(ctx, e, doc, p)
	if e.r != nil {
		e.size.Store(int64(e.r.Len()))
	} else if e.state != nil {
		e.size.Store(int64(len(e.state.Nodes)))
	}
	if err != nil {
		if e.state == nil && e.r == nil {
			lc.forget(key, e) // under e.mu: no other reader is filling it
		}
		e.mu.Unlock()
		return nil, err
	}
	lc.trim(key)
	return e, nil
}

// fill brings e's state up to date.
func (lc *layerCache) fill(ctx context.Context, e *layerEntry, doc store.DocID, p *pin) error {
	if p != nil {
		if e.state != nil {
			return nil
		}
		if p.Ordinal == 0 {
			e.state = &scene.LayerState{Schema: scene.LayerSchema, Nodes: map[scene.NodeID]*scene.Node{}}
			return nil
		}
		if st, ok := lc.fromCurrent(ctx, doc, p); ok {
			e.state = st
			return nil
		}
		r, err := lc.hub.ReplicaAt(ctx, doc, p.Ordinal, p.Heads)
		if err != nil {
			return err
		}
		e.state, err = scene.ReadLayerFrom(r)
		return err
	}
	newest, err := lc.st.ChangeLog(ctx, doc, 0, 1)
	if err != nil {
		return err
	}
	last := int64(0)
	if len(newest) > 0 {
		last = newest[0].Ordinal
	}
	if e.state != nil && e.ordinal == last {
		return nil
	}
	if e.r == nil || int64(e.r.Len()) > last {
		e.r = history.NewReplica()
	}
	// A failed replay (a cancelled request) keeps what it applied: the
	// next read goes on from there.
	if err := lc.hub.Replay(ctx, doc, e.r, int64(e.r.Len())+1, last); err != nil {
		return err
	}
	st, err := scene.ReadLayerFrom(e.r)
	if err != nil {
		return err
	}
	e.ordinal, e.state, e.tree = last, st, nil
	return nil
}

// fromCurrent reads doc at p from its current replica (brought up to
// date), which holds every version of the log it has applied. ok is false
// when that cannot answer (no such version in it, or a read error): the
// caller replays instead, which reports the error.
func (lc *layerCache) fromCurrent(ctx context.Context, doc store.DocID, p *pin) (*scene.LayerState, bool) {
	cur, err := lc.read(ctx, doc, nil) // never locks a pinned entry: no lock-order cycle
	if err != nil {
		return nil, false
	}
	defer cur.mu.Unlock()
	if cur.r == nil || int64(cur.r.Len()) < p.Ordinal {
		return nil, false
	}
	v := cur.r.Prefix(int(p.Ordinal))
	if len(p.Heads) > 0 {
		if v, err = cur.r.At(p.Heads); err != nil {
			return nil, false
		}
	}
	st, err := scene.ReadLayerFrom(v)
	return st, err == nil
}

// entry returns key's entry, creating it if needed, and marks it used.
func (lc *layerCache) entry(key layerKey) *layerEntry {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.tick++
	e, ok := lc.ents[key]
	if !ok {
		e = &layerEntry{}
		lc.ents[key] = e
	}
	e.used = lc.tick
	return e
}

// trim evicts the least recently used entries of key's kind (current or
// pinned), never key's own, until the kind is within its budget.
func (lc *layerCache) trim(key layerKey) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	budget := int64(maxCurrentChanges)
	if key.pinned {
		budget = maxPinnedNodes
	}
	for {
		var total int64
		var oldest layerKey
		found := false
		for k, e := range lc.ents {
			if k.pinned != key.pinned {
				continue
			}
			total += e.size.Load()
			if k != key && (!found || e.used < lc.ents[oldest].used) {
				oldest, found = k, true
			}
		}
		if total <= budget || !found {
			return
		}
		delete(lc.ents, oldest)
	}
}

// forget drops key's entry if it still is e (after a failed read that left
// it empty). The caller holds e.mu.
func (lc *layerCache) forget(key layerKey, e *layerEntry) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.ents[key] == e {
		delete(lc.ents, key)
	}
}

// headsKey is a canonical string of a set of heads.
func headsKey(hs []crdt.Hash) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = h.String()
	}
	if len(parts) > 1 {
		slices.Sort(parts)
	}
	return strings.Join(parts, ",") + "#" + strconv.Itoa(len(parts))
}
