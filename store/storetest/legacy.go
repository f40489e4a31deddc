package storetest

import (
	"context"
	"testing"
	"time"

	"atelier/store"
)

// LegacyFixture is what a backend's migration test writes into a database
// of an older schema version, with that version's SQL, before opening it
// with the current code: a world with two layers, five changes per
// document, and a snapshot of the first layer's document.
func LegacyFixture() (store.World, []store.NewDocument, store.Snapshot) {
	w, docs := newWorld("from an older release", 5, "ground", "sky")
	doc := w.Layers[0].Doc
	snap := store.Snapshot{Doc: doc, Ordinal: 3, Heads: []store.ChangeHash{change(doc, 3, "").Hash},
		Data: []byte("saved at 3"), CreatedAt: t0.Add(time.Minute)}
	return w, docs, snap
}

// LegacyVersion is a version of LegacyFixture's world w that a migration
// test writes into a database of schema version 2 or later, and passes to
// CheckLegacy.
func LegacyVersion(w store.World) store.Version {
	return newVersion(w, "before the upgrade", -time.Hour)
}

// CheckLegacy fails t unless s, opened on a database that an older schema
// version wrote LegacyFixture's w, docs and snap (and versions, if that
// schema had them) into, serves them intact and supports everything the
// current schema adds.
func CheckLegacy(t *testing.T, s store.Store, w store.World, docs []store.NewDocument, snap store.Snapshot, versions ...store.Version) {
	t.Helper()
	ctx := context.Background()
	got, err := s.GetWorld(ctx, w.ID)
	checkErr(t, err, nil)
	checkWorld(t, got, w)
	if got.Parent != "" || got.Branch != "" || !got.ForkedAt.IsZero() {
		t.Fatalf("an older world reads with branch fields %q %q %v", got.Parent, got.Branch, got.ForkedAt)
	}
	for _, d := range docs {
		cs, err := s.Changes(ctx, d.ID, 1, 0)
		checkErr(t, err, nil)
		checkChanges(t, cs, d.Changes)
	}
	gotSnap, err := s.LatestSnapshot(ctx, snap.Doc)
	checkErr(t, err, nil)
	if gotSnap.Ordinal != snap.Ordinal || string(gotSnap.Data) != string(snap.Data) || !gotSnap.CreatedAt.Equal(instant(snap.CreatedAt)) {
		t.Fatalf("LatestSnapshot = %+v, want %+v", gotSnap, snap)
	}

	doc, all := snap.Doc, docs[1].Changes
	log, err := s.ChangeLog(ctx, doc, 0, 2)
	checkErr(t, err, nil)
	checkChanges(t, log, reversed(all[3:5]))
	c, err := s.ChangeByHash(ctx, doc, all[1].Hash)
	checkErr(t, err, nil)
	checkChanges(t, []store.Change{c}, all[1:2])
	if o, err := s.OrdinalAt(ctx, doc, all[2].ReceivedAt); err != nil || o != 3 {
		t.Fatalf("OrdinalAt = %d, %v; want 3", o, err)
	}
	for _, v := range versions {
		mustGetVersion(t, s, v)
	}
	v := newVersion(w, "after the upgrade", 0)
	checkErr(t, s.CreateVersion(ctx, v), nil)
	vs, err := s.ListVersions(ctx, w.ID)
	checkErr(t, err, nil)
	checkVersions(t, vs, append(versions[:len(versions):len(versions)], v))
	checkErr(t, s.AppendChanges(ctx, doc, changes(doc, 6, 7)), nil)
	checkIndex(t, mustIndex(t, s, doc), changes(doc, 1, 7))
	if n := mustTouchedUpTo(t, s, doc); n != 0 {
		t.Fatalf("an older document reads as touched up to %d, want 0", n)
	}
	checkErr(t, s.PutTouches(ctx, doc, touches(doc, 1, 7, "")), nil)
	stored, err := s.Touches(ctx, doc, 1, 0)
	checkErr(t, err, nil)
	checkTouches(t, stored, touches(doc, 1, 7, ""))

	b, bdocs := newBranch(w, "after the upgrade", time.Hour, "ground")
	mustCreateWorld(t, s, b, bdocs)
	checkWorlds(t, mustListBranches(t, s, w.ID), []store.World{b})
	b2, b2docs := newBranch(w, "after the upgrade", 2*time.Hour, "ground")
	checkErr(t, s.CreateWorld(ctx, b2, b2docs), store.ErrExists)

	r := mustCreateReview(t, s, w.ID)
	a := mustAnnotate(t, s, r, 1)[0]
	task := newTask(r, "after the upgrade", a.ID)
	checkErr(t, s.CreateTask(ctx, task, event("", "task", 1)), nil)
	checkTask(t, s, task)
	checkEvents(t, s, r.ID, event(r.ID, "task", 1))
}
