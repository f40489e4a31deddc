package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"atelier/crdt/format"
	"atelier/crdt/history"
	"atelier/store"
)

// touchIndex says what each change touched. A change's history.Touch is
// computed once, by a history.Tracker following the document's log, and
// stored (store.PutTouches, by the touchIndexer), so a timeline page is
// read from the store, after a restart too. For the few documents whose
// trackers were needed lately (blame, touches not stored yet, indexing new
// changes) it keeps the tracker advanced over the log, and the touches it
// computed until they are stored (≈ 18 MiB of tracker for a layer of 10k
// nodes and 100k changes, plus ≈ 160 bytes per touch held). Documents
// beyond maxTrackedDocs are forgotten, least recently used first; the next
// request that needs the tracker replays the log (≈ 3.5 µs per change plus
// reading it).
type touchIndex struct {
	st   store.Store
	log  *slog.Logger
	mu   sync.Mutex
	docs map[store.DocID]*docTouches
	tick uint64
	// replayed counts the changes run through trackers.
	replayed atomic.Int64
	// unsaved, if set, is told when a request made a tracker compute
	// touches the store may lack; it must not block.
	unsaved func(doc store.DocID, ordinal int64)
}

const (
	maxTrackedDocs = 8
	replayChunk    = 5000 // changes read from the store per query while replaying
	saveChunk      = 500  // touches written per transaction, short enough not to hold up appends
)

// docTouches is one document's tracker, advanced over the first len()
// changes of its log, and the touches it computed that the store may not
// hold yet: once stored, they are dropped.
type docTouches struct {
	mu      sync.Mutex
	tr      *history.Tracker
	base    int64           // the touches of ordinals 1..base are stored, and not held here
	touches []history.Touch // touches[i] is the change with ordinal base+1+i
	applied []int64         // applied[i] is the ordinal of the tracker's i-th applied change
	used    uint64
	// saved is how far the store holds the document's touches, as far as
	// this index knows (they may reach further); -1 until it has asked.
	saved atomic.Int64
}

func newTouchIndex(st store.Store, log *slog.Logger) *touchIndex {
	return &touchIndex{st: st, log: log, docs: map[store.DocID]*docTouches{}}
}

// describe returns the touches of doc's changes with the given ordinals:
// from the store when it holds them all, otherwise from the tracker,
// advanced as far as needed, and the store for those it no longer holds.
func (ti *touchIndex) describe(ctx context.Context, doc store.DocID, ordinals []int64) ([]history.Touch, error) {
	out, have := make([]history.Touch, len(ordinals)), make([]bool, len(ordinals))
	lo, hi, ok := span(ordinals, have)
	if !ok {
		return out, nil
	}
	if err := ti.load(ctx, doc, lo, hi, ordinals, out, have); err != nil {
		return nil, err
	}
	if lo, hi, ok = span(ordinals, have); !ok {
		return out, nil
	}
	dt, err := ti.upTo(ctx, doc, hi)
	if err != nil {
		return nil, err
	}
	defer dt.mu.Unlock()
	for i, o := range ordinals {
		if !have[i] {
			out[i], have[i] = dt.touch(o)
		}
	}
	// Touches stored, and dropped from the tracker, since the first read:
	// holding dt.mu keeps the rest from being dropped.
	if lo, hi, ok = span(ordinals, have); ok {
		if err := ti.load(ctx, doc, lo, hi, ordinals, out, have); err != nil {
			return nil, err
		}
		if _, _, ok = span(ordinals, have); ok {
			ti.log.Warn("history touches neither stored nor held; described as empty", "doc", string(doc), "from", lo, "to", hi)
		}
	}
	return out, nil
}

// span returns the lowest and highest of the ordinals not had yet, and
// whether there is any.
func span(ordinals []int64, have []bool) (lo, hi int64, ok bool) {
	for i, o := range ordinals {
		if have[i] {
			continue
		}
		if !ok {
			lo, hi, ok = o, o, true
		}
		lo, hi = min(lo, o), max(hi, o)
	}
	return lo, hi, ok
}

// load decodes into out the stored touches, between lo and hi, of the
// ordinals not had yet, and notes them had.
func (ti *touchIndex) load(ctx context.Context, doc store.DocID, lo, hi int64, ordinals []int64, out []history.Touch, have []bool) error {
	stored, err := ti.st.Touches(ctx, doc, lo, hi)
	if err != nil || len(stored) == 0 {
		return err
	}
	first := stored[0].Ordinal // stored holds consecutive ordinals
	for i, o := range ordinals {
		j := o - first
		if have[i] || j < 0 || j >= int64(len(stored)) || stored[j].Ordinal != o {
			continue
		}
		if err := json.Unmarshal(stored[j].Data, &out[i]); err != nil {
			ti.log.Warn("stored history touch does not decode", "doc", string(doc), "ordinal", o, "err", err)
			out[i] = history.Touch{}
			continue
		}
		have[i] = true
	}
	return nil
}

// upTo returns doc's tracker advanced to at least ordinal, locked; the
// caller unlocks it. Touches it computed that the store may lack are
// announced to unsaved.
func (ti *touchIndex) upTo(ctx context.Context, doc store.DocID, ordinal int64) (*docTouches, error) {
	dt := ti.entry(doc)
	dt.mu.Lock()
	if err := ti.advance(ctx, doc, dt, ordinal); err != nil {
		dt.mu.Unlock()
		return nil, err
	}
	if n := dt.len(); dt.saved.Load() < n && ti.unsaved != nil {
		ti.unsaved(doc, n)
	}
	return dt, nil
}

// advance runs doc's log through dt's tracker up to at least ordinal,
// keeping the touches the store is not known to hold (the caller holds
// dt.mu).
func (ti *touchIndex) advance(ctx context.Context, doc store.DocID, dt *docTouches, ordinal int64) error {
	for dt.len() < ordinal {
		from := dt.len() + 1
		chs, err := ti.st.Changes(ctx, doc, from, min(ordinal, from+replayChunk-1))
		if err == nil && len(chs) == 0 {
			err = fmt.Errorf("history of %s: ordinal %d: %w", doc, from, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		for _, c := range chs {
			t, ok := apply(dt.tr, c)
			dt.touches = append(dt.touches, t)
			if ok {
				dt.applied = append(dt.applied, c.Ordinal)
			}
		}
		ti.replayed.Add(int64(len(chs)))
		dt.forget(dt.saved.Load())
	}
	return nil
}

// save makes the store hold the touches of doc's changes 1..ordinal,
// running the log through the tracker first if it has not computed them,
// and then drops them from the tracker. The writes happen without holding
// the tracker, in transactions of saveChunk touches. Only the indexer's
// goroutine calls it, so dt.saved has one writer.
func (ti *touchIndex) save(ctx context.Context, doc store.DocID, ordinal int64) error {
	dt := ti.entry(doc)
	defer func() {
		dt.mu.Lock()
		dt.forget(dt.saved.Load())
		dt.mu.Unlock()
	}()
	saved := dt.saved.Load()
	if saved < 0 {
		n, err := ti.st.TouchedUpTo(ctx, doc)
		if err != nil {
			return err
		}
		saved = n
		dt.saved.Store(n)
	}
	if saved >= ordinal {
		return nil
	}
	dt.mu.Lock()
	if err := ti.advance(ctx, doc, dt, ordinal); err != nil {
		dt.mu.Unlock()
		return err
	}
	// A view, not a copy: held touches are never written again, and
	// dropping them replaces the slice.
	pending := dt.touches[saved-dt.base : ordinal-dt.base : ordinal-dt.base]
	dt.mu.Unlock()
	for len(pending) > 0 {
		batch := make([]store.Touch, min(len(pending), saveChunk))
		for i := range batch {
			data, err := json.Marshal(pending[i])
			if err != nil {
				return fmt.Errorf("encode touch %d of %s: %w", saved+1+int64(i), doc, err)
			}
			batch[i] = store.Touch{Ordinal: saved + 1 + int64(i), Data: data}
		}
		if err := ti.st.PutTouches(ctx, doc, batch); err != nil {
			return err
		}
		saved += int64(len(batch))
		pending = pending[len(batch):]
		dt.saved.Store(saved)
	}
	return nil
}

// apply runs one stored change through the tracker. A change the tracker
// cannot read still has a place in the timeline, with an empty touch.
func apply(tr *history.Tracker, c store.Change) (history.Touch, bool) {
	fc, _, err := format.ParseChange(c.Raw)
	if err != nil {
		return history.Touch{}, false
	}
	t, err := tr.Apply(fc)
	return t, err == nil
}

// blame returns, for each property path of node, the ordinal of the change
// that last set it (the caller holds dt.mu).
func (dt *docTouches) blame(node string) map[string]int64 {
	out := map[string]int64{}
	for prop, i := range dt.tr.LastSet(node) {
		if i >= 0 && i < len(dt.applied) {
			out[prop] = dt.applied[i]
		}
	}
	return out
}

// entry returns doc's entry, creating it and evicting the least recently
// used one when there are too many.
func (ti *touchIndex) entry(doc store.DocID) *docTouches {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.tick++
	if dt, ok := ti.docs[doc]; ok {
		dt.used = ti.tick
		return dt
	}
	if len(ti.docs) >= maxTrackedDocs {
		var oldest store.DocID
		for id, dt := range ti.docs {
			if oldest == "" || dt.used < ti.docs[oldest].used {
				oldest = id
			}
		}
		delete(ti.docs, oldest)
	}
	dt := &docTouches{tr: history.NewTracker(), used: ti.tick}
	dt.saved.Store(-1)
	ti.docs[doc] = dt
	return dt
}

// len returns the number of changes the tracker has run through (the
// caller holds dt.mu).
func (dt *docTouches) len() int64 { return dt.base + int64(len(dt.touches)) }

// touch returns the touch of the change with the given ordinal, and
// whether dt holds it (the caller holds dt.mu).
func (dt *docTouches) touch(ordinal int64) (history.Touch, bool) {
	if ordinal <= dt.base || ordinal > dt.len() {
		return history.Touch{}, false
	}
	return dt.touches[ordinal-dt.base-1], true
}

// forget drops the touches of ordinals up to saved, which the store holds
// (the caller holds dt.mu).
func (dt *docTouches) forget(saved int64) {
	if saved <= dt.base {
		return
	}
	drop := min(saved, dt.len()) - dt.base
	dt.touches = slices.Clone(dt.touches[drop:])
	dt.base += drop
}
