package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"atelier/store"
)

// withHash returns c claiming hash h.
func withHash(c store.Change, h store.ChangeHash) store.Change {
	c.Hash = h
	return c
}

func testAppendContinuity(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, doc := mustCreate(t, s, 3)
	other := w.Manifest
	log := changes(doc, 1, 3) // what doc's log must hold after each step
	steps := []struct {
		name  string
		doc   store.DocID // doc if empty
		batch []store.Change
		want  error
	}{
		{"continue", "", changes(doc, 4, 5), nil},
		{"gap", "", changes(doc, 7, 7), store.ErrConflict},
		{"reuse last", "", changes(doc, 5, 6), store.ErrConflict},
		{"reuse first", "", changes(doc, 1, 1), store.ErrConflict},
		{"ordinal zero", "", []store.Change{change(doc, 0, "")}, store.ErrConflict},
		{"not consecutive", "", []store.Change{change(doc, 6, ""), change(doc, 8, "")}, store.ErrConflict},
		{"descending", "", []store.Change{change(doc, 7, ""), change(doc, 6, "")}, store.ErrConflict},
		{"hash already in log", "", []store.Change{withHash(change(doc, 6, ""), log[1].Hash)}, store.ErrConflict},
		{"good change then hash already in log", "", []store.Change{
			change(doc, 6, ""), withHash(change(doc, 7, ""), log[0].Hash),
		}, store.ErrConflict},
		{"hash twice in batch", "", []store.Change{
			change(doc, 6, ""), withHash(change(doc, 7, ""), change(doc, 6, "").Hash),
		}, store.ErrConflict},
		{"change of another document", "", []store.Change{change(other, 6, "")}, errAny},
		{"empty batch", "", nil, nil},
		{"continue after refusals", "", changes(doc, 6, 9), nil},
		{"same hash in another document", other, []store.Change{withHash(change(other, 4, ""), log[0].Hash)}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			target := doc
			if st.doc != "" {
				target = st.doc
			}
			err := s.AppendChanges(ctx, target, st.batch)
			checkErr(t, err, st.want)
			if err == nil && target == doc {
				log = append(log, st.batch...)
			}
			checkIndex(t, mustIndex(t, s, doc), log)
		})
	}
	checkIndex(t, mustIndex(t, s, other)[3:], []store.Change{withHash(change(other, 4, ""), log[0].Hash)})
}

func testRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, doc := mustCreate(t, s, 0)
	big := make([]byte, 256<<10)
	_, _ = rand.Read(big)
	cases := []struct {
		name   string
		mutate func(c *store.Change)
	}{
		{"as made", func(c *store.Change) {}},
		{"nil deps", func(c *store.Change) { c.Deps = nil }},
		{"empty deps", func(c *store.Change) { c.Deps = []store.ChangeHash{} }},
		{"three deps", func(c *store.Change) {
			c.Deps = []store.ChangeHash{sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b")), {}}
		}},
		{"empty message", func(c *store.Change) { c.Message = "" }},
		{"unicode message", func(c *store.Change) { c.Message = "Größe → 大きさ 🌍\n\t\"quoted\" 'single' \\" }},
		{"message with NUL and invalid UTF-8", func(c *store.Change) { c.Message = "a\x00b\xff\xfe" }},
		{"long message", func(c *store.Change) { c.Message = strings.Repeat("é✓", 20000) }},
		{"empty actor", func(c *store.Change) { c.Actor = nil }},
		{"long actor", func(c *store.Change) { c.Actor = slices.Repeat([]byte{0, 0xff}, 32) }},
		{"extreme counters", func(c *store.Change) { c.Seq, c.StartOp, c.Time = math.MaxUint64, 1<<63, math.MinInt64 }},
		{"largest time", func(c *store.Change) { c.Seq, c.StartOp, c.Time = 0, 0, math.MaxInt64 }},
		{"unicode user", func(c *store.Change) { c.User = "José 🧑‍🎨 Ωμέγα" }},
		{"empty user", func(c *store.Change) { c.User = "" }},
		{"received in another zone", func(c *store.Change) {
			c.ReceivedAt = t0.In(time.FixedZone("UTC+5:30", 5*3600+1800))
		}},
		{"received at zero time", func(c *store.Change) { c.ReceivedAt = time.Time{} }},
		{"raw of NUL bytes", func(c *store.Change) { c.Raw = make([]byte, 7) }},
		{"large raw", func(c *store.Change) { c.Raw = big }},
	}
	var batch []store.Change
	for i, tc := range cases {
		c := change(doc, int64(i+1), tc.name)
		tc.mutate(&c)
		c.Hash = sha256.Sum256(c.Raw)
		batch = append(batch, c)
	}
	if err := s.AppendChanges(ctx, doc, batch); err != nil {
		t.Fatalf("AppendChanges: %v", err)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := int64(i + 1)
			got, err := s.Changes(ctx, doc, o, o)
			checkErr(t, err, nil)
			checkChanges(t, got, batch[i:i+1])
			got, err = s.ChangesByOrdinal(ctx, doc, []int64{o})
			checkErr(t, err, nil)
			checkChanges(t, got, batch[i:i+1])
			idx, err := s.ChangeIndex(ctx, doc, o-1)
			checkErr(t, err, nil)
			checkIndex(t, idx[:min(1, len(idx))], batch[i:i+1])
		})
	}
}

// tenChanges creates a world whose layer document holds changes 1..10.
func tenChanges(t *testing.T, s store.Store) (store.DocID, []store.Change) {
	_, doc := mustCreate(t, s, 4)
	if err := s.AppendChanges(context.Background(), doc, changes(doc, 5, 10)); err != nil {
		t.Fatalf("AppendChanges: %v", err)
	}
	return doc, changes(doc, 1, 10)
}

func testChangeIndexAfter(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc, all := tenChanges(t, s)
	tests := []struct {
		after int64
		want  []store.Change
	}{
		{0, all}, {-5, all}, {4, all[4:]}, {9, all[9:]}, {10, nil}, {99, nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("after %d", tc.after), func(t *testing.T) {
			got, err := s.ChangeIndex(ctx, doc, tc.after)
			checkErr(t, err, nil)
			checkIndex(t, got, tc.want)
		})
	}
	t.Run("empty document", func(t *testing.T) {
		_, empty := mustCreate(t, s, 0)
		got, err := s.ChangeIndex(ctx, empty, 0)
		checkErr(t, err, nil)
		checkIndex(t, got, nil)
	})
}

func testChangesRange(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc, all := tenChanges(t, s)
	tests := []struct {
		from, to int64
		want     []store.Change
	}{
		{1, 0, all}, {0, 0, all}, {-3, -1, all}, {1, 10, all}, {3, 5, all[2:5]}, {5, 5, all[4:5]},
		{8, 100, all[7:]}, {10, -1, all[9:]}, {11, 0, nil}, {6, 5, nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d to %d", tc.from, tc.to), func(t *testing.T) {
			got, err := s.Changes(ctx, doc, tc.from, tc.to)
			checkErr(t, err, nil)
			checkChanges(t, got, tc.want)
		})
	}
}

func testChangesByOrdinal(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc, all := tenChanges(t, s)
	pick := func(os ...int64) []store.Change {
		out := []store.Change{}
		for _, o := range os {
			out = append(out, all[o-1])
		}
		return out
	}
	tests := []struct {
		name     string
		ordinals []int64
		want     []store.Change
		err      error
	}{
		{"unordered", []int64{5, 1, 3}, pick(5, 1, 3), nil},
		{"repeated", []int64{2, 2, 9, 2}, pick(2, 2, 9, 2), nil},
		{"last", []int64{10}, pick(10), nil},
		{"every one reversed", []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, pick(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), nil},
		{"none", nil, nil, nil},
		{"past the end", []int64{1, 11}, nil, store.ErrNotFound},
		{"zero", []int64{0}, nil, store.ErrNotFound},
		{"negative", []int64{3, -1}, nil, store.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ChangesByOrdinal(ctx, doc, tc.ordinals)
			checkErr(t, err, tc.err)
			checkChanges(t, got, tc.want)
		})
	}
}

func testLargeDocument(t *testing.T, s store.Store) {
	const n, batch = 5000, 250
	ctx := context.Background()
	_, doc := mustCreate(t, s, 1)
	for first := int64(2); first <= n; first += batch {
		if err := s.AppendChanges(ctx, doc, changes(doc, first, min(first+batch-1, n))); err != nil {
			t.Fatalf("AppendChanges from %d: %v", first, err)
		}
	}
	all := changes(doc, 1, n)
	checkIndex(t, mustIndex(t, s, doc), all)
	idx, err := s.ChangeIndex(ctx, doc, n-10)
	checkErr(t, err, nil)
	checkIndex(t, idx, all[n-10:])
	got, err := s.Changes(ctx, doc, 1, 0)
	checkErr(t, err, nil)
	checkChanges(t, got, all)
	got, err = s.Changes(ctx, doc, 2500, 2600)
	checkErr(t, err, nil)
	checkChanges(t, got, all[2499:2600])
	got, err = s.ChangesByOrdinal(ctx, doc, []int64{n, 1, 2500})
	checkErr(t, err, nil)
	checkChanges(t, got, []store.Change{all[n-1], all[0], all[2499]})
}
