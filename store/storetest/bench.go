package storetest

import (
	"context"
	"testing"

	"atelier/store"
)

// benchRawSize pads benchmark changes to a typical size for a small edit.
const benchRawSize = 256

// benchChanges returns changes first..last of doc with benchRawSize-byte raws.
func benchChanges(doc store.DocID, first, last int64) []store.Change {
	cs := changes(doc, first, last)
	for i := range cs {
		cs[i].Raw = append(cs[i].Raw, make([]byte, benchRawSize-len(cs[i].Raw))...)
	}
	return cs
}

// BenchAppendChanges measures appending batches of n changes to one
// document of s, an empty store, reporting changes appended per second.
func BenchAppendChanges(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	_, doc := mustCreate(b, s, 0)
	next, appended := int64(1), 0
	for b.Loop() {
		if err := s.AppendChanges(ctx, doc, benchChanges(doc, next, next+int64(n)-1)); err != nil {
			b.Fatalf("AppendChanges: %v", err)
		}
		next += int64(n)
		appended += n
	}
	b.ReportMetric(float64(appended)/b.Elapsed().Seconds(), "changes/s")
}

// BenchChangeIndex measures reading the whole index of a document of n
// changes in s, an empty store: what opening a document costs.
func BenchChangeIndex(b *testing.B, s store.Store, n int64) {
	const batch = 1000
	ctx := context.Background()
	_, doc := mustCreate(b, s, 0)
	for first := int64(1); first <= n; first += batch {
		if err := s.AppendChanges(ctx, doc, benchChanges(doc, first, min(first+batch-1, n))); err != nil {
			b.Fatalf("AppendChanges from %d: %v", first, err)
		}
	}
	for b.Loop() {
		idx, err := s.ChangeIndex(ctx, doc, 0)
		if err != nil || int64(len(idx)) != n {
			b.Fatalf("ChangeIndex = %d entries, %v; want %d", len(idx), err, n)
		}
	}
}
