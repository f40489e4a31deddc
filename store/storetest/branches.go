package storetest

import (
	"context"
	"testing"
	"time"

	"atelier/store"
)

// newBranch returns a world branching from parent under name, forked at
// t0 plus age and created a second later, with one layer per layer name.
func newBranch(parent store.World, name string, age time.Duration, layerNames ...string) (store.World, []store.NewDocument) {
	w, docs := newWorld(parent.Name+" / "+name, 2, layerNames...)
	w.Parent, w.Branch = parent.ID, name
	w.ForkedAt = t0.Add(age)
	w.CreatedAt = w.ForkedAt.Add(time.Second)
	return w, docs
}

// mustCreateWorld creates w with docs.
func mustCreateWorld(t testing.TB, s store.Store, w store.World, docs []store.NewDocument) {
	t.Helper()
	if err := s.CreateWorld(context.Background(), w, docs); err != nil {
		t.Fatalf("CreateWorld(%s %q): %v", w.ID, w.Branch, err)
	}
}

// checkWorlds fails t unless got is want, in order, as the store returns them.
func checkWorlds(t testing.TB, got, want []store.World) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d worlds, want %d", len(got), len(want))
	}
	for i := range want {
		checkWorld(t, got[i], want[i])
	}
}

// mustListBranches returns parent's branches.
func mustListBranches(t testing.TB, s store.Store, parent store.WorldID) []store.World {
	t.Helper()
	bs, err := s.ListBranches(context.Background(), parent)
	if err != nil {
		t.Fatalf("ListBranches(%s): %v", parent, err)
	}
	return bs
}

func testBranches(t *testing.T, s store.Store) {
	ctx := context.Background()
	main, mainDocs := newWorld("main", 2, "ground")
	mustCreateWorld(t, s, main, mainDocs)
	if bs := mustListBranches(t, s, main.ID); len(bs) != 0 {
		t.Fatalf("ListBranches of a world without branches = %+v, want none", bs)
	}

	// Created newest first; t0's nanoseconds check ForkedAt keeps microseconds.
	late, lateDocs := newBranch(main, "lighting pass", 2*time.Hour, "ground", "lights")
	mustCreateWorld(t, s, late, lateDocs)
	early, earlyDocs := newBranch(main, "Ünïcode 🌿", time.Hour, "ground")
	mustCreateWorld(t, s, early, earlyDocs)
	// A branch of a branch may reuse a name taken under another parent.
	nested, nestedDocs := newBranch(late, "Ünïcode 🌿", 3*time.Hour, "sky")
	mustCreateWorld(t, s, nested, nestedDocs)

	for _, w := range []store.World{main, early, late, nested} {
		got, err := s.GetWorld(ctx, w.ID)
		checkErr(t, err, nil)
		checkWorld(t, got, w)
	}
	if got, _ := s.GetWorld(ctx, early.ID); !got.ForkedAt.Equal(instant(t0.Add(time.Hour))) || got.ForkedAt.Location() != time.UTC {
		t.Fatalf("ForkedAt = %v, want %v in UTC", got.ForkedAt, instant(t0.Add(time.Hour)))
	}
	checkWorlds(t, mustListBranches(t, s, main.ID), []store.World{early, late})
	checkWorlds(t, mustListBranches(t, s, late.ID), []store.World{nested})
	if bs := mustListBranches(t, s, nested.ID); len(bs) != 0 {
		t.Fatalf("ListBranches of a leaf branch = %+v, want none", bs)
	}
	all, err := s.ListWorlds(ctx)
	checkErr(t, err, nil)
	checkWorlds(t, all, []store.World{main, early, late, nested})
	if m := all[0]; m.Parent != "" || m.Branch != "" || !m.ForkedAt.IsZero() {
		t.Fatalf("main world listed with branch fields %q %q %v", m.Parent, m.Branch, m.ForkedAt)
	}
}

func testCreateBranchErrors(t *testing.T, s store.Store) {
	ctx := context.Background()
	main, mainDocs := newWorld("main", 2, "ground")
	mustCreateWorld(t, s, main, mainDocs)
	first, firstDocs := newBranch(main, "feature", time.Hour, "ground")
	mustCreateWorld(t, s, first, firstDocs)

	tests := []struct {
		name   string
		mutate func(w *store.World)
		want   error
	}{
		{"branch name taken under the parent", func(w *store.World) {}, store.ErrExists},
		{"unknown parent", func(w *store.World) { w.Parent = newWorldID() }, store.ErrNotFound},
		{"own parent", func(w *store.World) { w.Parent = w.ID }, store.ErrNotFound},
		{"branch without a name", func(w *store.World) { w.Branch = "" }, errAny},
		{"name without a parent", func(w *store.World) { w.Parent = "" }, errAny},
		{"fork time without a parent", func(w *store.World) { w.Parent, w.Branch = "", "" }, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, docs := newBranch(main, "feature", 2*time.Hour, "ground")
			tc.mutate(&w)
			checkErr(t, s.CreateWorld(ctx, w, docs), tc.want)

			_, err := s.GetWorld(ctx, w.ID)
			checkErr(t, err, store.ErrNotFound)
			for _, d := range docs {
				_, err := s.GetDocument(ctx, d.ID)
				checkErr(t, err, store.ErrNotFound)
			}
			all, err := s.ListWorlds(ctx)
			checkErr(t, err, nil)
			checkWorlds(t, all, []store.World{main, first})
			checkWorlds(t, mustListBranches(t, s, main.ID), []store.World{first})
		})
	}

	_, err := s.ListBranches(ctx, newWorldID())
	checkErr(t, err, store.ErrNotFound)
}
