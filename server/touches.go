package server

import (
	"context"
	"fmt"
	"sync"

	"atelier/crdt/format"
	"atelier/crdt/history"
	"atelier/store"
)

// touchIndex keeps, for the few documents whose history was asked for
// lately, a history.Tracker advanced over the document's log and the Touch
// of every change, so timeline pages and blame need no replay. Documents
// beyond maxTrackedDocs are forgotten, least recently used first; the next
// request replays their log (≈ 3.5 µs per change plus reading it).
type touchIndex struct {
	st   store.Store
	mu   sync.Mutex
	docs map[store.DocID]*docTouches
	tick uint64
}

const (
	maxTrackedDocs = 8
	replayChunk    = 5000 // changes read from the store per query while replaying
)

// docTouches is one document's tracker and the touches of its first n changes.
type docTouches struct {
	mu      sync.Mutex
	tr      *history.Tracker
	touches []history.Touch // touches[i] is the change with ordinal i+1
	applied []int64         // applied[i] is the ordinal of the tracker's i-th applied change
	used    uint64
}

func newTouchIndex(st store.Store) *touchIndex {
	return &touchIndex{st: st, docs: map[store.DocID]*docTouches{}}
}

// upTo returns doc's tracker advanced to at least ordinal, locked; the
// caller unlocks it.
func (ti *touchIndex) upTo(ctx context.Context, doc store.DocID, ordinal int64) (*docTouches, error) {
	dt := ti.entry(doc)
	dt.mu.Lock()
	for int64(len(dt.touches)) < ordinal {
		from := int64(len(dt.touches)) + 1
		chs, err := ti.st.Changes(ctx, doc, from, min(ordinal, from+replayChunk-1))
		if err == nil && len(chs) == 0 {
			err = fmt.Errorf("history of %s: ordinal %d: %w", doc, from, store.ErrNotFound)
		}
		if err != nil {
			dt.mu.Unlock()
			return nil, err
		}
		for _, c := range chs {
			t, ok := apply(dt.tr, c)
			dt.touches = append(dt.touches, t)
			if ok {
				dt.applied = append(dt.applied, c.Ordinal)
			}
		}
	}
	return dt, nil
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
	ti.docs[doc] = dt
	return dt
}

// touch returns the touch of the change with the given ordinal (the caller
// holds dt.mu, from upTo).
func (dt *docTouches) touch(ordinal int64) history.Touch {
	if ordinal < 1 || ordinal > int64(len(dt.touches)) {
		return history.Touch{}
	}
	return dt.touches[ordinal-1]
}
