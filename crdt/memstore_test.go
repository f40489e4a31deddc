package crdt_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"atelier/store"
)

// memStore is an in-memory store.Store for benchmarks that measure the
// engine alone (no fsync). Tests use the real SQLite store.
type memStore struct {
	mu      sync.Mutex
	docs    map[store.DocID]store.Document
	changes map[store.DocID][]store.Change
	snaps   map[store.DocID]store.Snapshot
	worlds  map[store.WorldID]store.World
	// ReviewStore is nil: the engine keeps no review sessions, and a call
	// of one of its methods would panic.
	store.ReviewStore
}

var _ store.Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{docs: map[store.DocID]store.Document{}, changes: map[store.DocID][]store.Change{},
		snaps: map[store.DocID]store.Snapshot{}, worlds: map[store.WorldID]store.World{}}
}

func (m *memStore) CreateWorld(_ context.Context, w store.World, docs []store.NewDocument) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.worlds[w.ID] = w
	for _, d := range docs {
		m.docs[d.ID] = d.Document
		m.changes[d.ID] = append([]store.Change(nil), d.Changes...)
	}
	return nil
}

func (m *memStore) GetWorld(_ context.Context, id store.WorldID) (store.World, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.worlds[id]
	if !ok {
		return w, store.ErrNotFound
	}
	return w, nil
}

func (m *memStore) ListWorlds(context.Context) ([]store.World, error) { return nil, nil }

func (m *memStore) GetDocument(_ context.Context, id store.DocID) (store.Document, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.docs[id]
	if !ok {
		return d, store.ErrNotFound
	}
	return d, nil
}

func (m *memStore) AppendChanges(_ context.Context, doc store.DocID, chs []store.Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(chs) > 0 && chs[0].Ordinal != int64(len(m.changes[doc]))+1 {
		return fmt.Errorf("%w: ordinal %d", store.ErrConflict, chs[0].Ordinal)
	}
	m.changes[doc] = append(m.changes[doc], chs...)
	return nil
}

func (m *memStore) ChangeIndex(_ context.Context, doc store.DocID, after int64) ([]store.ChangeMeta, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.ChangeMeta
	for _, c := range m.changes[doc][after:] {
		out = append(out, store.ChangeMeta{Ordinal: c.Ordinal, Hash: c.Hash, Deps: c.Deps, Actor: c.Actor, Seq: c.Seq, Size: len(c.Raw)})
	}
	return out, nil
}

func (m *memStore) Changes(_ context.Context, doc store.DocID, from, to int64) ([]store.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := m.changes[doc]
	if to <= 0 || to > int64(len(all)) {
		to = int64(len(all))
	}
	if from < 1 {
		from = 1
	}
	if from > to {
		return nil, nil
	}
	return append([]store.Change(nil), all[from-1:to]...), nil
}

func (m *memStore) ChangesByOrdinal(_ context.Context, doc store.DocID, ords []int64) ([]store.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]store.Change, len(ords))
	for i, o := range ords {
		if o < 1 || o > int64(len(m.changes[doc])) {
			return nil, store.ErrNotFound
		}
		out[i] = m.changes[doc][o-1]
	}
	return out, nil
}

func (m *memStore) PutSnapshot(_ context.Context, s store.Snapshot) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snaps[s.Doc] = s
	return nil
}

func (m *memStore) LatestSnapshot(_ context.Context, doc store.DocID) (store.Snapshot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.snaps[doc]
	if !ok {
		return s, store.ErrNotFound
	}
	return s, nil
}

func (m *memStore) Close() error { return nil }

func (m *memStore) ChangeLog(_ context.Context, doc store.DocID, before int64, limit int) ([]store.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := m.changes[doc]
	if before <= 0 || before > int64(len(all))+1 {
		before = int64(len(all)) + 1
	}
	var out []store.Change
	for o := before - 1; o >= 1 && len(out) < limit; o-- {
		out = append(out, all[o-1])
	}
	return out, nil
}

func (m *memStore) ChangeByHash(_ context.Context, doc store.DocID, h store.ChangeHash) (store.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.changes[doc] {
		if c.Hash == h {
			return c, nil
		}
	}
	return store.Change{}, store.ErrNotFound
}

func (m *memStore) OrdinalAt(_ context.Context, doc store.DocID, t time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var o int64
	for _, c := range m.changes[doc] {
		if !c.ReceivedAt.After(t) {
			o = c.Ordinal
		}
	}
	return o, nil
}

func (m *memStore) CreateVersion(context.Context, store.Version) error { return errors.ErrUnsupported }

func (m *memStore) GetVersion(context.Context, store.WorldID, string) (store.Version, error) {
	return store.Version{}, store.ErrNotFound
}

func (m *memStore) ListVersions(context.Context, store.WorldID) ([]store.Version, error) {
	return nil, nil
}

func (m *memStore) RenameWorld(context.Context, store.WorldID, string) error {
	return store.ErrNotFound
}

func (m *memStore) ListBranches(context.Context, store.WorldID) ([]store.World, error) {
	return nil, nil
}

// The engine writes no touches: the server's history index does.
func (m *memStore) PutTouches(context.Context, store.DocID, []store.Touch) error {
	return errors.ErrUnsupported
}

func (m *memStore) Touches(context.Context, store.DocID, int64, int64) ([]store.Touch, error) {
	return nil, nil
}

func (m *memStore) TouchedUpTo(context.Context, store.DocID) (int64, error) { return 0, nil }
