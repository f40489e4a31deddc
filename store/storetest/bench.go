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
	ctx := context.Background()
	doc := benchLog(b, s, n)
	for b.Loop() {
		idx, err := s.ChangeIndex(ctx, doc, 0)
		if err != nil || int64(len(idx)) != n {
			b.Fatalf("ChangeIndex = %d entries, %v; want %d", len(idx), err, n)
		}
	}
}

// benchLog creates a document of n changes in s and returns it.
func benchLog(b *testing.B, s store.Store, n int64) store.DocID {
	const batch = 1000
	_, doc := mustCreate(b, s, 0)
	for first := int64(1); first <= n; first += batch {
		err := s.AppendChanges(context.Background(), doc, benchChanges(doc, first, min(first+batch-1, n)))
		if err != nil {
			b.Fatalf("AppendChanges from %d: %v", first, err)
		}
	}
	return doc
}

// BenchChangeLog measures reading one page of 100 changes, bytes included,
// from a document of n changes in s, an empty store: the newest page, one
// from the middle of the log, and the oldest.
func BenchChangeLog(b *testing.B, s store.Store, n int64) {
	const page = 100
	ctx := context.Background()
	doc := benchLog(b, s, n)
	for _, bc := range []struct {
		name   string
		before int64
	}{
		{"newest", 0},
		{"middle", n / 2},
		{"oldest", page + 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				cs, err := s.ChangeLog(ctx, doc, bc.before, page)
				if err != nil || len(cs) != page {
					b.Fatalf("ChangeLog = %d changes, %v; want %d", len(cs), err, page)
				}
			}
		})
	}
}

// BenchOrdinalAt measures finding the ordinal at a time in a document of n
// changes in s, an empty store, for times early in its log, in its middle
// and at its end. OrdinalAt scans the received_at index up to the time, or
// the log back from its end (whichever the planner deems cheaper), so the
// cost grows with the changes on one side of the time.
func BenchOrdinalAt(b *testing.B, s store.Store, n int64) {
	ctx := context.Background()
	doc := benchLog(b, s, n)
	for _, bc := range []struct {
		name string
		o    int64
	}{
		{"early", 10},
		{"middle", n / 2},
		{"end", n},
	} {
		b.Run(bc.name, func(b *testing.B) {
			t := change(doc, bc.o, "").ReceivedAt
			for b.Loop() {
				if o, err := s.OrdinalAt(ctx, doc, t); err != nil || o != bc.o {
					b.Fatalf("OrdinalAt = %d, %v; want %d", o, err, bc.o)
				}
			}
		})
	}
}
