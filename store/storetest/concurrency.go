package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"atelier/store"
)

func testConcurrentDifferentDocs(t *testing.T, s store.Store) {
	const writers, batches, batch = 8, 20, 3
	ctx := context.Background()
	names := make([]string, writers)
	for i := range names {
		names[i] = fmt.Sprint("layer ", i)
	}
	w, docs := newWorld("busy", 0, names...)
	if err := s.CreateWorld(ctx, w, docs); err != nil {
		t.Fatalf("CreateWorld: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for _, l := range w.Layers {
		wg.Go(func() {
			for first := int64(1); first <= batches*batch; first += batch {
				if err := s.AppendChanges(ctx, l.Doc, changes(l.Doc, first, first+batch-1)); err != nil {
					errs <- fmt.Errorf("append to %s from %d: %w", l.Doc, first, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, l := range w.Layers {
		checkIndex(t, mustIndex(t, s, l.Doc), changes(l.Doc, 1, batches*batch))
	}
}

// testConcurrentSameDoc races writers to append each ordinal of one
// document: exactly one must win each, the others getting ErrConflict.
func testConcurrentSameDoc(t *testing.T, s store.Store) {
	const writers, n = 4, 40
	ctx := context.Background()
	_, doc := mustCreate(t, s, 0)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  = map[int64]store.Change{}
		errs = make(chan error, writers*(n+1))
	)
	for i := range writers {
		wg.Go(func() {
			for o := int64(1); o <= n; o++ {
				c := change(doc, o, fmt.Sprint("writer ", i))
				err := s.AppendChanges(ctx, doc, []store.Change{c})
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d, ordinal %d: %w", i, o, err)
					return
				}
				mu.Lock()
				if prev, dup := won[o]; dup {
					errs <- fmt.Errorf("ordinal %d appended twice: %x and %x", o, prev.Hash, c.Hash)
				}
				won[o] = c
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := make([]store.Change, n)
	for o := range want {
		want[o] = won[int64(o+1)]
	}
	checkIndex(t, mustIndex(t, s, doc), want)
}

func testClose(t *testing.T, s store.Store) {
	_, doc := mustCreate(t, s, 1)
	if _, err := s.ChangeIndex(context.Background(), doc, 0); err != nil {
		t.Fatalf("ChangeIndex: %v", err)
	}
	checkErr(t, s.Close(), nil)
	checkErr(t, s.Close(), nil)
}
