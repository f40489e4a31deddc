package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"atelier/store"
)

// reversed returns cs newest first, as ChangeLog pages them.
func reversed(cs []store.Change) []store.Change {
	out := slices.Clone(cs)
	slices.Reverse(out)
	return out
}

func testChangeLog(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc, all := tenChanges(t, s)
	tests := []struct {
		before int64
		limit  int
		want   []store.Change
		err    error
	}{
		{0, 3, reversed(all[7:10]), nil},
		{-1, 3, reversed(all[7:10]), nil},
		{math.MinInt64, 1, reversed(all[9:10]), nil},
		{11, 3, reversed(all[7:10]), nil},
		{99, 2, reversed(all[8:10]), nil},
		{math.MaxInt64, 2, reversed(all[8:10]), nil},
		{10, 3, reversed(all[6:9]), nil},
		{5, 10, reversed(all[0:4]), nil},
		{4, 3, reversed(all[0:3]), nil},
		{3, 3, reversed(all[0:2]), nil},
		{2, 3, all[0:1], nil},
		{1, 3, nil, nil},
		{0, 10, reversed(all), nil},
		{0, 50, reversed(all), nil},
		{0, math.MaxInt, reversed(all), nil},
		{0, 0, nil, errAny},
		{0, -1, nil, errAny},
		{5, math.MinInt, nil, errAny},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("before %d limit %d", tc.before, tc.limit), func(t *testing.T) {
			got, err := s.ChangeLog(ctx, doc, tc.before, tc.limit)
			checkErr(t, err, tc.err)
			checkChanges(t, got, tc.want)
		})
	}
	t.Run("paging through", func(t *testing.T) {
		var got []store.Change
		for before, pages := int64(0), 0; ; pages++ {
			page, err := s.ChangeLog(ctx, doc, before, 3)
			checkErr(t, err, nil)
			if len(page) == 0 {
				if pages != 4 {
					t.Fatalf("%d pages of 3 for 10 changes, want 4", pages)
				}
				break
			}
			got = append(got, page...)
			before = page[len(page)-1].Ordinal
		}
		checkChanges(t, got, reversed(all))
	})
	t.Run("empty document", func(t *testing.T) {
		_, empty := mustCreate(t, s, 0)
		got, err := s.ChangeLog(ctx, empty, 0, 10)
		checkErr(t, err, nil)
		checkChanges(t, got, nil)
	})
	t.Run("unknown document", func(t *testing.T) {
		_, err := s.ChangeLog(ctx, newDocID(), 0, 10)
		checkErr(t, err, store.ErrNotFound)
	})
}

// testChangeLogCap checks that a page never holds more than 1000 changes.
func testChangeLogCap(t *testing.T, s store.Store) {
	const n = 1005
	ctx := context.Background()
	_, doc := mustCreate(t, s, 0)
	all := changes(doc, 1, n)
	if err := s.AppendChanges(ctx, doc, all); err != nil {
		t.Fatalf("AppendChanges: %v", err)
	}
	tests := []struct {
		before int64
		limit  int
		want   []store.Change
	}{
		{0, 1000, reversed(all[5:])},
		{0, 1001, reversed(all[5:])},
		{0, math.MaxInt, reversed(all[5:])},
		{1002, 5000, reversed(all[1:1001])},
		{1001, 5000, reversed(all[:1000])},
		{6, 5000, reversed(all[:5])},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("before %d limit %d", tc.before, tc.limit), func(t *testing.T) {
			got, err := s.ChangeLog(ctx, doc, tc.before, tc.limit)
			checkErr(t, err, nil)
			checkChanges(t, got, tc.want)
		})
	}
}

func testChangeByHash(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc, all := tenChanges(t, s)
	other, otherAll := tenChanges(t, s)
	for _, c := range []store.Change{all[0], all[4], all[9]} {
		t.Run(fmt.Sprint("ordinal ", c.Ordinal), func(t *testing.T) {
			got, err := s.ChangeByHash(ctx, doc, c.Hash)
			checkErr(t, err, nil)
			checkChanges(t, []store.Change{got}, []store.Change{c})
		})
	}
	tests := []struct {
		name string
		doc  store.DocID
		hash store.ChangeHash
	}{
		{"unknown hash", doc, change(doc, 11, "").Hash},
		{"zero hash", doc, store.ChangeHash{}},
		{"hash of another document", doc, otherAll[2].Hash},
		{"unknown document", newDocID(), all[2].Hash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ChangeByHash(ctx, tc.doc, tc.hash)
			checkErr(t, err, store.ErrNotFound)
		})
	}
	t.Run("same hash in two documents", func(t *testing.T) {
		c := withHash(change(other, 11, "shared"), all[3].Hash)
		if err := s.AppendChanges(ctx, other, []store.Change{c}); err != nil {
			t.Fatalf("AppendChanges: %v", err)
		}
		got, err := s.ChangeByHash(ctx, other, c.Hash)
		checkErr(t, err, nil)
		checkChanges(t, []store.Change{got}, []store.Change{c})
		got, err = s.ChangeByHash(ctx, doc, c.Hash)
		checkErr(t, err, nil)
		checkChanges(t, []store.Change{got}, all[3:4])
	})
}

func testOrdinalAt(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc, _ := tenChanges(t, s) // change o was received at t0 + o seconds
	at := func(o int64) time.Time { return t0.Add(time.Duration(o) * time.Second) }
	tests := []struct {
		name string
		t    time.Time
		want int64
	}{
		{"zero time", time.Time{}, 0},
		{"long before", t0.Add(-24 * time.Hour), 0},
		{"just before the first", instant(at(1)).Add(-time.Microsecond), 0},
		{"at the first", at(1), 1},
		{"at the first, microseconds", instant(at(1)), 1},
		{"between", at(1).Add(500 * time.Millisecond), 1},
		{"just before the fifth", instant(at(5)).Add(-time.Microsecond), 4},
		{"at the fifth", at(5), 5},
		{"at the fifth in another zone", at(5).In(time.FixedZone("UTC-8", -8*3600)), 5},
		{"at the last", at(10), 10},
		{"after the last", at(11), 10},
		{"far future", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.OrdinalAt(ctx, doc, tc.t)
			checkErr(t, err, nil)
			if got != tc.want {
				t.Fatalf("OrdinalAt(%v) = %d, want %d", tc.t, got, tc.want)
			}
		})
	}
	t.Run("clock went back", func(t *testing.T) {
		// Change 11 arrived after change 10 but carries an earlier time:
		// the highest ordinal received at or before t wins.
		c := change(doc, 11, "")
		c.ReceivedAt = at(3)
		if err := s.AppendChanges(ctx, doc, []store.Change{c}); err != nil {
			t.Fatalf("AppendChanges: %v", err)
		}
		for _, tc := range []struct{ o, want int64 }{{2, 2}, {3, 11}, {9, 11}, {12, 11}} {
			if got, err := s.OrdinalAt(ctx, doc, at(tc.o)); err != nil || got != tc.want {
				t.Errorf("OrdinalAt(t0+%ds) = %d, %v; want %d", tc.o, got, err, tc.want)
			}
		}
	})
	t.Run("empty document", func(t *testing.T) {
		_, empty := mustCreate(t, s, 0)
		got, err := s.OrdinalAt(ctx, empty, at(100))
		checkErr(t, err, nil)
		if got != 0 {
			t.Fatalf("OrdinalAt of an empty document = %d, want 0", got)
		}
	})
	t.Run("unknown document", func(t *testing.T) {
		_, err := s.OrdinalAt(ctx, newDocID(), at(5))
		checkErr(t, err, store.ErrNotFound)
	})
}
