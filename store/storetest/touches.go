package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"atelier/store"
)

// touches returns touches first..last of doc whose data names them and
// salt, so that a test can tell which write a stored touch came from.
func touches(doc store.DocID, first, last int64, salt string) []store.Touch {
	var ts []store.Touch
	for o := first; o <= last; o++ {
		ts = append(ts, store.Touch{Ordinal: o, Data: fmt.Appendf(nil, `{"doc":%q,"ordinal":%d,"salt":%q}`, doc, o, salt)})
	}
	return ts
}

// checkTouches fails t unless got equals want.
func checkTouches(t testing.TB, got, want []store.Touch) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("touches:\n got %s\nwant %s", touchList(got), touchList(want))
	}
}

func touchList(ts []store.Touch) string {
	s := ""
	for _, t := range ts {
		s += fmt.Sprintf("\n  %d: %q", t.Ordinal, t.Data)
	}
	return s
}

// mustTouchedUpTo returns TouchedUpTo(doc), failing t on an error.
func mustTouchedUpTo(t testing.TB, s store.Store, doc store.DocID) int64 {
	t.Helper()
	n, err := s.TouchedUpTo(context.Background(), doc)
	if err != nil {
		t.Fatalf("TouchedUpTo(%s): %v", doc, err)
	}
	return n
}

// testTouches writes touches step by step and checks after each step what
// is stored: the touched changes always form a prefix of the log, a touch
// once stored never changes, and a refused write writes nothing.
func testTouches(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc, _ := tenChanges(t, s)
	other, _ := tenChanges(t, s)
	first := touches(doc, 1, 10, "first")
	again := touches(doc, 1, 10, "again")
	steps := []struct {
		name string
		put  []store.Touch
		err  error
		upTo int64 // TouchedUpTo after the step
	}{
		{"none yet", nil, nil, 0},
		{"a prefix", first[0:4], nil, 4},
		{"overlapping: stored touches are kept", again[2:7], nil, 7},
		{"all again", again, nil, 10},
	}
	want := append(append(first[0:4:4], again[4:7]...), again[7:]...)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			checkErr(t, s.PutTouches(ctx, doc, st.put), st.err)
			if got := mustTouchedUpTo(t, s, doc); got != st.upTo {
				t.Fatalf("TouchedUpTo = %d, want %d", got, st.upTo)
			}
			got, err := s.Touches(ctx, doc, 1, 0)
			checkErr(t, err, nil)
			checkTouches(t, got, want[:st.upTo])
		})
	}
	t.Run("ranges", func(t *testing.T) {
		for _, tc := range []struct {
			from, to int64
			want     []store.Touch
		}{
			{1, 10, want}, {3, 5, want[2:5]}, {-5, 2, want[:2]}, {8, 99, want[7:]},
			{9, -1, want[8:]}, {10, 10, want[9:]}, {11, 0, nil}, {6, 5, nil},
		} {
			got, err := s.Touches(ctx, doc, tc.from, tc.to)
			checkErr(t, err, nil)
			checkTouches(t, got, tc.want)
		}
	})
	t.Run("other document untouched", func(t *testing.T) {
		if n := mustTouchedUpTo(t, s, other); n != 0 {
			t.Fatalf("TouchedUpTo of another document = %d, want 0", n)
		}
		got, err := s.Touches(ctx, other, 1, 0)
		checkErr(t, err, nil)
		checkTouches(t, got, nil)
	})
}

// testTouchesRefused checks that a write that would leave a gap, skips an
// ordinal or names a change the log lacks is refused and writes nothing.
func testTouchesRefused(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc, _ := tenChanges(t, s)
	checkErr(t, s.PutTouches(ctx, doc, touches(doc, 1, 3, "")), nil)
	tests := []struct {
		name string
		doc  store.DocID
		put  []store.Touch
		err  error
	}{
		{"gap after the prefix", doc, touches(doc, 5, 6, ""), store.ErrConflict},
		{"skipped ordinal", doc, append(touches(doc, 4, 5, ""), touches(doc, 7, 7, "")...), store.ErrConflict},
		{"out of order", doc, append(touches(doc, 5, 5, ""), touches(doc, 4, 4, "")...), store.ErrConflict},
		{"repeated ordinal", doc, append(touches(doc, 4, 4, ""), touches(doc, 4, 4, "")...), store.ErrConflict},
		{"past the log", doc, touches(doc, 4, 11, ""), store.ErrNotFound},
		{"ordinal 0", doc, touches(doc, 0, 4, ""), store.ErrNotFound},
		{"unknown document", newDocID(), touches(doc, 1, 1, ""), store.ErrNotFound},
		{"unknown document, no touches", newDocID(), nil, store.ErrNotFound},
		{"unknown document, past its prefix", newDocID(), touches(doc, 2, 2, ""), store.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, s.PutTouches(ctx, tc.doc, tc.put), tc.err)
			if n := mustTouchedUpTo(t, s, doc); n != 3 {
				t.Fatalf("TouchedUpTo = %d after a refused write, want 3", n)
			}
		})
	}
	t.Run("reads of an unknown document", func(t *testing.T) {
		_, err := s.Touches(ctx, newDocID(), 1, 0)
		checkErr(t, err, store.ErrNotFound)
		_, err = s.TouchedUpTo(ctx, newDocID())
		checkErr(t, err, store.ErrNotFound)
	})
	t.Run("empty data", func(t *testing.T) {
		checkErr(t, s.PutTouches(ctx, doc, []store.Touch{{Ordinal: 4}, {Ordinal: 5, Data: []byte{}}}), nil)
		got, err := s.Touches(ctx, doc, 4, 5)
		checkErr(t, err, nil)
		checkTouches(t, got, []store.Touch{{Ordinal: 4}, {Ordinal: 5}})
	})
	t.Run("new changes have no touch", func(t *testing.T) {
		checkErr(t, s.PutTouches(ctx, doc, touches(doc, 6, 10, "")), nil)
		checkErr(t, s.AppendChanges(ctx, doc, changes(doc, 11, 12)), nil)
		if n := mustTouchedUpTo(t, s, doc); n != 10 {
			t.Fatalf("TouchedUpTo = %d, want 10", n)
		}
		checkErr(t, s.PutTouches(ctx, doc, touches(doc, 11, 12, "")), nil)
		got, err := s.Touches(ctx, doc, 11, 0)
		checkErr(t, err, nil)
		checkTouches(t, got, touches(doc, 11, 12, ""))
	})
}

// testConcurrentTouches has several writers store the same touches of one
// document in runs, as servers indexing the same document would: every
// write succeeds and the stored prefix is whole.
func testConcurrentTouches(t *testing.T, s store.Store) {
	const writers, n, run = 4, 60, 7
	ctx := context.Background()
	_, doc := mustCreate(t, s, 0)
	checkErr(t, s.AppendChanges(ctx, doc, changes(doc, 1, n)), nil)
	want := touches(doc, 1, n, "")
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for first := 0; first < n; first += run {
				if err := s.PutTouches(ctx, doc, want[first:min(first+run, n)]); err != nil {
					errs <- fmt.Errorf("touches from %d: %w", first+1, err)
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
	got, err := s.Touches(ctx, doc, 1, 0)
	checkErr(t, err, nil)
	checkTouches(t, got, want)
}
