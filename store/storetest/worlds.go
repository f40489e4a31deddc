package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"atelier/store"
)

// wantWorld is w as GetWorld returns it: times to the microsecond in UTC
// (a zero ForkedAt stays zero), layers in position order.
func wantWorld(w store.World) store.World {
	w.CreatedAt = instant(w.CreatedAt)
	if !w.ForkedAt.IsZero() {
		w.ForkedAt = instant(w.ForkedAt)
	}
	layers := make([]store.Layer, len(w.Layers))
	for _, l := range w.Layers {
		layers[l.Position] = l
	}
	w.Layers = layers
	return w
}

func checkWorld(t testing.TB, got, want store.World) {
	t.Helper()
	if want := wantWorld(want); !reflect.DeepEqual(got, want) {
		t.Fatalf("world:\n got %+v\nwant %+v", got, want)
	}
}

func testCreateAndGetWorld(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, docs := newWorld("Ünïcode wörld 🌍", 3, "ground", "props", "lights")
	// Layers given out of display order come back in it.
	w.Layers[0].Position, w.Layers[1].Position, w.Layers[2].Position = 2, 0, 1
	if err := s.CreateWorld(ctx, w, docs); err != nil {
		t.Fatalf("CreateWorld: %v", err)
	}
	got, err := s.GetWorld(ctx, w.ID)
	if err != nil {
		t.Fatalf("GetWorld: %v", err)
	}
	checkWorld(t, got, w)
	if names := []string{got.Layers[0].Name, got.Layers[1].Name, got.Layers[2].Name}; !reflect.DeepEqual(names, []string{"props", "lights", "ground"}) {
		t.Fatalf("layer order %v", names)
	}
	for _, d := range docs {
		gd, err := s.GetDocument(ctx, d.ID)
		if err != nil {
			t.Fatalf("GetDocument(%s): %v", d.ID, err)
		}
		if gd != d.Document {
			t.Fatalf("GetDocument = %+v, want %+v", gd, d.Document)
		}
		cs, err := s.Changes(ctx, d.ID, 1, 0)
		if err != nil {
			t.Fatalf("Changes(%s): %v", d.ID, err)
		}
		checkChanges(t, cs, d.Changes)
	}
}

func testListWorlds(t *testing.T, s store.Store) {
	ctx := context.Background()
	if ws, err := s.ListWorlds(ctx); err != nil || len(ws) != 0 {
		t.Fatalf("ListWorlds on an empty store = %v, %v; want none", ws, err)
	}
	// Created in another order than their CreatedAt.
	var want []store.World
	for _, age := range []time.Duration{time.Hour, 3 * time.Hour, 2 * time.Hour} {
		w, docs := newWorld("aged "+age.String(), 1, "a", "b")
		w.CreatedAt = t0.Add(-age)
		if err := s.CreateWorld(ctx, w, docs); err != nil {
			t.Fatalf("CreateWorld: %v", err)
		}
		want = append(want, w)
	}
	want[0], want[1], want[2] = want[1], want[2], want[0]
	got, err := s.ListWorlds(ctx)
	if err != nil {
		t.Fatalf("ListWorlds: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListWorlds returned %d worlds, want %d", len(got), len(want))
	}
	for i := range want {
		checkWorld(t, got[i], want[i])
	}
}

// RenameWorld changes the name and nothing else, of that world only, as
// GetWorld, ListWorlds and ListBranches read it.
func testRenameWorld(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, docs := newWorld("Harbor", 1, "ground", "props")
	mustCreateWorld(t, s, w, docs)
	other, odocs := newWorld("Other", 1, "a")
	mustCreateWorld(t, s, other, odocs)
	branch, bdocs := newWorld("Harbor branch", 1, "ground")
	branch.Parent, branch.Branch, branch.ForkedAt = w.ID, "night", t0
	mustCreateWorld(t, s, branch, bdocs)

	for _, name := range []string{"Harbour ⚓ at dusk", "Harbor"} {
		if err := s.RenameWorld(ctx, w.ID, name); err != nil {
			t.Fatalf("RenameWorld(%q): %v", name, err)
		}
		want := w
		want.Name = name
		got, err := s.GetWorld(ctx, w.ID)
		if err != nil {
			t.Fatalf("GetWorld: %v", err)
		}
		checkWorld(t, got, want)
	}
	if err := s.RenameWorld(ctx, w.ID, "Harbor"); err != nil { // the same name again
		t.Fatalf("RenameWorld to its own name: %v", err)
	}
	if err := s.RenameWorld(ctx, branch.ID, "Night harbor"); err != nil {
		t.Fatalf("RenameWorld(branch): %v", err)
	}
	branch.Name = "Night harbor"
	bs, err := s.ListBranches(ctx, w.ID)
	if err != nil || len(bs) != 1 {
		t.Fatalf("ListBranches = %v, %v", bs, err)
	}
	checkWorld(t, bs[0], branch)
	all, err := s.ListWorlds(ctx)
	if err != nil {
		t.Fatalf("ListWorlds: %v", err)
	}
	names := map[store.WorldID]string{}
	for _, x := range all {
		names[x.ID] = x.Name
	}
	if want := map[store.WorldID]string{w.ID: "Harbor", other.ID: "Other", branch.ID: "Night harbor"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("names after renames %v, want %v", names, want)
	}
	checkErr(t, s.RenameWorld(ctx, newWorldID(), "x"), store.ErrNotFound)
}

func testCreateWorldErrors(t *testing.T, s store.Store) {
	ctx := context.Background()
	taken, takenDocs := newWorld("taken", 2, "ground")
	if err := s.CreateWorld(ctx, taken, takenDocs); err != nil {
		t.Fatalf("CreateWorld: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(w *store.World, docs []store.NewDocument) []store.NewDocument
		want   error
	}{
		{"world id taken", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			w.ID = taken.ID
			for i := range docs {
				docs[i].World = taken.ID
			}
			for i := range w.Layers {
				w.Layers[i].World = taken.ID
			}
			return docs
		}, store.ErrExists},
		{"document id taken", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			return renameDoc(w, docs, 1, taken.Layers[0].Doc)
		}, store.ErrExists},
		{"manifest id taken", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			return renameDoc(w, docs, 0, taken.Manifest)
		}, store.ErrExists},
		{"layer id taken", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			w.Layers[1].ID = taken.Layers[0].ID
			return docs
		}, store.ErrExists},
		{"layer id twice", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			w.Layers[1].ID = w.Layers[0].ID
			return docs
		}, store.ErrExists},
		{"document twice", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			return append(docs, docs[1])
		}, store.ErrExists},
		{"initial changes start at 2", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			docs[1].Changes = changes(docs[1].ID, 2, 3)
			return docs
		}, store.ErrConflict},
		{"initial changes repeat a hash", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			docs[1].Changes[1].Hash = docs[1].Changes[0].Hash
			return docs
		}, store.ErrConflict},
		{"manifest not among documents", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			w.Manifest = newDocID()
			return docs
		}, errAny},
		{"layer document not among documents", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			return docs[:2]
		}, errAny},
		{"document of another world", func(w *store.World, docs []store.NewDocument) []store.NewDocument {
			docs[2].World = taken.ID
			return docs
		}, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, docs := newWorld("doomed", 2, "a", "b")
			fresh := docs[0].ID // a document id no other case uses
			docs = tc.mutate(&w, docs)
			checkErr(t, s.CreateWorld(ctx, w, docs), tc.want)
			checkNothingCreated(t, s, w, fresh, taken)
		})
	}
}

// renameDoc gives docs[i] the id id, keeping w's references to it.
func renameDoc(w *store.World, docs []store.NewDocument, i int, id store.DocID) []store.NewDocument {
	old := docs[i].ID
	docs[i].ID = id
	docs[i].Changes = changes(id, 1, int64(len(docs[i].Changes)))
	if w.Manifest == old {
		w.Manifest = id
	}
	for j := range w.Layers {
		if w.Layers[j].Doc == old {
			w.Layers[j].Doc = id
		}
	}
	return docs
}

// checkNothingCreated fails t if a failed CreateWorld of w left anything:
// only the world taken exists, unchanged, and doc does not.
func checkNothingCreated(t *testing.T, s store.Store, w store.World, doc store.DocID, taken store.World) {
	t.Helper()
	ctx := context.Background()
	ws, err := s.ListWorlds(ctx)
	if err != nil {
		t.Fatalf("ListWorlds: %v", err)
	}
	if len(ws) != 1 {
		t.Fatalf("after a failed CreateWorld there are %d worlds, want 1", len(ws))
	}
	checkWorld(t, ws[0], taken)
	if w.ID != taken.ID {
		_, err := s.GetWorld(ctx, w.ID)
		checkErr(t, err, store.ErrNotFound)
	}
	_, err = s.GetDocument(ctx, doc)
	checkErr(t, err, store.ErrNotFound)
	if idx := mustIndex(t, s, taken.Manifest); len(idx) != 2 {
		t.Fatalf("taken manifest has %d changes, want 2", len(idx))
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, doc := mustCreate(t, s, 3)
	missing := newDocID()
	tests := []struct {
		name string
		call func() error
	}{
		{"GetWorld", func() error { _, err := s.GetWorld(ctx, newWorldID()); return err }},
		{"ListBranches", func() error { _, err := s.ListBranches(ctx, newWorldID()); return err }},
		{"RenameWorld", func() error { return s.RenameWorld(ctx, newWorldID(), "x") }},
		{"GetDocument", func() error { _, err := s.GetDocument(ctx, missing); return err }},
		{"AppendChanges", func() error { return s.AppendChanges(ctx, missing, changes(missing, 1, 2)) }},
		{"AppendChanges empty", func() error { return s.AppendChanges(ctx, missing, nil) }},
		{"ChangeIndex", func() error { _, err := s.ChangeIndex(ctx, missing, 0); return err }},
		{"Changes", func() error { _, err := s.Changes(ctx, missing, 1, 0); return err }},
		{"ChangesByOrdinal document", func() error { _, err := s.ChangesByOrdinal(ctx, missing, []int64{1}); return err }},
		{"ChangesByOrdinal document no ordinals", func() error { _, err := s.ChangesByOrdinal(ctx, missing, nil); return err }},
		{"ChangesByOrdinal ordinal", func() error { _, err := s.ChangesByOrdinal(ctx, doc, []int64{1, 4}); return err }},
		{"PutSnapshot", func() error {
			return s.PutSnapshot(ctx, store.Snapshot{Doc: missing, Ordinal: 1, Data: []byte{1}, CreatedAt: t0})
		}},
		{"LatestSnapshot document", func() error { _, err := s.LatestSnapshot(ctx, missing); return err }},
		{"LatestSnapshot none yet", func() error { _, err := s.LatestSnapshot(ctx, doc); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkErr(t, tc.call(), store.ErrNotFound) })
	}
}
