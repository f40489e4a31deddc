package server

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"atelier/store"
)

// The indexer's queue: a committed document waits until it has been quiet
// for the delay, or until it has waited ten delays while commits keep
// coming; a document whose touches a request computed goes at once.
func TestTouchIndexerQueue(t *testing.T) {
	const quiet = time.Minute // far beyond the test's own duration
	ix := newTouchIndexer(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), quiet)
	now := time.Now()
	expectNone := func(at time.Time) time.Duration {
		t.Helper()
		doc, _, wait := ix.next(at)
		if doc != "" {
			t.Fatalf("%s was due at %v", doc, at.Sub(now))
		}
		return wait
	}
	expect := func(at time.Time, want store.DocID, ordinal int64) {
		t.Helper()
		doc, o, _ := ix.next(at)
		if doc != want || o != ordinal {
			t.Fatalf("next at %v = %q up to %d, want %q up to %d", at.Sub(now), doc, o, want, ordinal)
		}
	}

	if wait := expectNone(now); wait != 0 {
		t.Fatalf("an empty queue waits %v, want 0 (nothing to wait for)", wait)
	}
	ix.committed("a", 3)
	ix.committed("a", 5)
	ix.committed("a", 4) // an ordinal heard late does not move the target back
	if wait := expectNone(now); wait <= 0 || wait > quiet+time.Second {
		t.Fatalf("a committed document is due in %v, want within the quiet period", wait)
	}
	expect(now.Add(quiet+time.Second), "a", 5)
	expectNone(now.Add(quiet + time.Second)) // taken off the queue

	// Commits that keep coming postpone a document, up to ten delays.
	ix.committed("b", 1)
	expectNone(now.Add(quiet / 2))
	for i := 1; i <= 9; i++ {
		ix.enqueueAt("b", int64(i+1), quiet, now.Add(time.Duration(i)*quiet))
		expectNone(now.Add(time.Duration(i) * quiet))
	}
	expect(now.Add(10*quiet+time.Second), "b", 10)

	// Touches a request computed are stored at once.
	ix.committed("c", 7)
	ix.computed("c", 9)
	expect(now.Add(time.Second), "c", 9)
	ix.computed("d", 2)
	expect(now.Add(time.Second), "d", 2)
	expectNone(now.Add(time.Second))

	// The queue is bounded: beyond it, documents wait for their next commit.
	for i := range maxQueuedDocs + 10 {
		ix.computed(store.DocID(string(rune('A'+i%26))+string(rune(i))), 1)
	}
	if n := len(ix.queue); n != maxQueuedDocs {
		t.Fatalf("%d documents queued, want at most %d", n, maxQueuedDocs)
	}
}
