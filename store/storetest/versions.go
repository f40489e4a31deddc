package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"atelier/store"
)

// caseWorld creates a world whose document ids differ only in case, so that
// a store sorting them by anything but their bytes is caught.
func caseWorld(t *testing.T, s store.Store) store.World {
	t.Helper()
	suffix := randomHex(4)
	w, docs := newWorld("versioned "+suffix, 2, "b", "c")
	docs = renameDoc(&w, docs, 0, store.DocID("docb"+suffix))
	docs = renameDoc(&w, docs, 1, store.DocID("docB"+suffix))
	docs = renameDoc(&w, docs, 2, store.DocID("doca"+suffix))
	if err := s.CreateWorld(context.Background(), w, docs); err != nil {
		t.Fatalf("CreateWorld: %v", err)
	}
	return w
}

// worldDocs returns w's document ids: manifest first, then its layers'.
func worldDocs(w store.World) []store.DocID {
	ids := []store.DocID{w.Manifest}
	for _, l := range w.Layers {
		ids = append(ids, l.Doc)
	}
	return ids
}

// newVersion returns a version of w named name pinning each of its
// documents at ordinal 2 with one head, made at t0 plus age.
func newVersion(w store.World, name string, age time.Duration) store.Version {
	v := store.Version{World: w.ID, Name: name, CreatedAt: t0.Add(age), CreatedBy: "grace"}
	for _, id := range worldDocs(w) {
		v.Docs = append(v.Docs, store.VersionDoc{Doc: id, Heads: []store.ChangeHash{change(id, 2, "").Hash}, Ordinal: 2})
	}
	return v
}

// wantVersion is v as the store returns it: microsecond UTC time, documents
// by id, empty head lists nil.
func wantVersion(v store.Version) store.Version {
	v.CreatedAt = instant(v.CreatedAt)
	docs := make([]store.VersionDoc, len(v.Docs))
	for i, d := range v.Docs {
		d.Heads = nilIfEmpty(d.Heads)
		docs[i] = d
	}
	slices.SortFunc(docs, func(a, b store.VersionDoc) int { return strings.Compare(string(a.Doc), string(b.Doc)) })
	v.Docs = nilIfEmpty(docs)
	return v
}

func checkVersions(t testing.TB, got, want []store.Version) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d versions %v, want %d %v", len(got), versionNames(got), len(want), versionNames(want))
	}
	for i := range want {
		g, w := got[i], wantVersion(want[i])
		g.Docs = nilIfEmpty(g.Docs)
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("version %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func versionNames(vs []store.Version) []string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.Name
	}
	return names
}

// mustGetVersion fails t unless w's version name is want.
func mustGetVersion(t testing.TB, s store.Store, want store.Version) {
	t.Helper()
	got, err := s.GetVersion(context.Background(), want.World, want.Name)
	checkErr(t, err, nil)
	checkVersions(t, []store.Version{got}, []store.Version{want})
}

func testVersionRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	w := caseWorld(t, s)
	many := make([]store.ChangeHash, 100)
	for i := range many {
		many[i] = sha256.Sum256(fmt.Append(nil, "head ", i))
	}
	tests := []struct {
		name   string
		mutate func(v *store.Version)
	}{
		{"as made", func(v *store.Version) {}},
		{"documents out of order", func(v *store.Version) { slices.Reverse(v.Docs) }},
		{"nil heads", func(v *store.Version) { v.Docs[0].Heads = nil }},
		{"empty heads", func(v *store.Version) { v.Docs[1].Heads = []store.ChangeHash{} }},
		{"many heads", func(v *store.Version) { v.Docs[2].Heads = many }},
		{"zero hash head", func(v *store.Version) { v.Docs[0].Heads = []store.ChangeHash{{}, many[0]} }},
		{"ordinal zero", func(v *store.Version) { v.Docs[1].Ordinal, v.Docs[1].Heads = 0, nil }},
		{"some documents only", func(v *store.Version) { v.Docs = v.Docs[1:2] }},
		{"unicode name and author", func(v *store.Version) { v.Name, v.CreatedBy = "Größe → 大きさ 🌍 v2", "José 🧑‍🎨" }},
		{"name with spaces and quotes", func(v *store.Version) { v.Name = ` release "1.0" it's ` }},
		{"long name", func(v *store.Version) { v.Name = strings.Repeat("ñ", 2000) }},
		{"created in another zone", func(v *store.Version) {
			v.CreatedAt = t0.In(time.FixedZone("UTC+5:30", 5*3600+1800))
		}},
		{"created at zero time", func(v *store.Version) { v.CreatedAt = time.Time{} }},
		{"empty author", func(v *store.Version) { v.CreatedBy = "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newVersion(w, tc.name, 0)
			tc.mutate(&v)
			checkErr(t, s.CreateVersion(ctx, v), nil)
			mustGetVersion(t, s, v)
		})
	}
}

func testListVersions(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, other := caseWorld(t, s), caseWorld(t, s)
	got, err := s.ListVersions(ctx, w.ID)
	checkErr(t, err, nil)
	checkVersions(t, got, nil)

	// Created in another order than listed: by time, then by name bytewise.
	a := newVersion(w, "a", 2*time.Hour)
	b := newVersion(w, "b", time.Hour)
	upperZ := newVersion(w, "Z", time.Hour)
	final, upperFinal := newVersion(w, "final", 3*time.Hour), newVersion(w, "Final", 3*time.Hour)
	upperFinal.Docs = upperFinal.Docs[:1] // tell the two apart
	sub := newVersion(w, "b", time.Hour+time.Microsecond)
	sub.Name = "a2"
	for _, v := range []store.Version{a, final, b, upperFinal, upperZ, sub, newVersion(other, "a", 0)} {
		checkErr(t, s.CreateVersion(ctx, v), nil)
	}
	got, err = s.ListVersions(ctx, w.ID)
	checkErr(t, err, nil)
	checkVersions(t, got, []store.Version{upperZ, b, sub, a, upperFinal, final})

	t.Run("names are case-sensitive", func(t *testing.T) {
		mustGetVersion(t, s, final)
		mustGetVersion(t, s, upperFinal)
		_, err := s.GetVersion(ctx, w.ID, "FINAL")
		checkErr(t, err, store.ErrNotFound)
		_, err = s.GetVersion(ctx, w.ID, "final ")
		checkErr(t, err, store.ErrNotFound)
	})
	t.Run("other world", func(t *testing.T) {
		got, err := s.ListVersions(ctx, other.ID)
		checkErr(t, err, nil)
		checkVersions(t, got, []store.Version{newVersion(other, "a", 0)})
		_, err = s.GetVersion(ctx, other.ID, "b")
		checkErr(t, err, store.ErrNotFound)
	})
	t.Run("unknown world", func(t *testing.T) {
		_, err := s.ListVersions(ctx, newWorldID())
		checkErr(t, err, store.ErrNotFound)
		_, err = s.GetVersion(ctx, newWorldID(), "a")
		checkErr(t, err, store.ErrNotFound)
	})
}

func testCreateVersionErrors(t *testing.T, s store.Store) {
	ctx := context.Background()
	w, other := caseWorld(t, s), caseWorld(t, s)
	taken := newVersion(w, "taken", 0)
	checkErr(t, s.CreateVersion(ctx, taken), nil)
	tests := []struct {
		name   string
		mutate func(v *store.Version)
		want   error
	}{
		{"name taken", func(v *store.Version) { v.Name = taken.Name }, store.ErrExists},
		{"name taken, other documents", func(v *store.Version) {
			v.Name, v.Docs = taken.Name, v.Docs[:1]
			v.Docs[0].Ordinal = 1
		}, store.ErrExists},
		{"name taken, unknown document", func(v *store.Version) {
			v.Name = taken.Name
			v.Docs = append(v.Docs, store.VersionDoc{Doc: newDocID()})
		}, store.ErrExists},
		{"unknown world", func(v *store.Version) { v.World = newWorldID() }, store.ErrNotFound},
		{"unknown world, no documents", func(v *store.Version) { v.World, v.Docs = newWorldID(), nil }, store.ErrNotFound},
		{"unknown document", func(v *store.Version) {
			v.Docs = append(v.Docs, store.VersionDoc{Doc: newDocID(), Ordinal: 1})
		}, store.ErrNotFound},
		{"unknown document first", func(v *store.Version) {
			v.Docs = append([]store.VersionDoc{{Doc: newDocID()}}, v.Docs...)
		}, store.ErrNotFound},
		{"document id in another case", func(v *store.Version) {
			v.Docs[0].Doc = store.DocID(strings.ToUpper(string(v.Docs[0].Doc)))
		}, store.ErrNotFound},
		{"document of another world", func(v *store.Version) {
			v.Docs = append(v.Docs, store.VersionDoc{Doc: other.Manifest, Ordinal: 2})
		}, store.ErrNotFound},
		{"empty name", func(v *store.Version) { v.Name = "" }, errAny},
		{"document twice", func(v *store.Version) { v.Docs = append(v.Docs, v.Docs[1]) }, errAny},
		{"negative ordinal", func(v *store.Version) { v.Docs[2].Ordinal = -1 }, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newVersion(w, "doomed "+tc.name, time.Hour)
			tc.mutate(&v)
			err := s.CreateVersion(ctx, v)
			checkErr(t, err, tc.want)
			if tc.want == errAny && (errors.Is(err, store.ErrExists) || errors.Is(err, store.ErrNotFound)) {
				t.Fatalf("got %v, want an error that is neither ErrExists nor ErrNotFound", err)
			}
			// Nothing was written: w still has only taken, unchanged.
			got, err := s.ListVersions(ctx, w.ID)
			checkErr(t, err, nil)
			checkVersions(t, got, []store.Version{taken})
			got, err = s.ListVersions(ctx, other.ID)
			checkErr(t, err, nil)
			checkVersions(t, got, nil)
		})
	}
}

// testConcurrentCreateVersion races creators of one version name: exactly
// one must win, the others getting ErrExists.
func testConcurrentCreateVersion(t *testing.T, s store.Store) {
	const creators = 6
	ctx := context.Background()
	w := caseWorld(t, s)
	var (
		wg   sync.WaitGroup
		errs = make([]error, creators)
	)
	for i := range creators {
		wg.Go(func() {
			v := newVersion(w, "race", 0)
			v.CreatedBy = fmt.Sprint("creator ", i)
			errs[i] = s.CreateVersion(ctx, v)
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("creators %d and %d both created the version", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrExists):
			t.Fatalf("creator %d: %v; want nil or ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no creator created the version")
	}
	want := newVersion(w, "race", 0)
	want.CreatedBy = fmt.Sprint("creator ", winner)
	mustGetVersion(t, s, want)
}
