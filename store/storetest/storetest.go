// Package storetest is the conformance suite every store.Store
// implementation must pass, plus the benchmarks they share. An
// implementation's tests call Run with a function that opens a fresh, empty
// store; its benchmarks call the Bench functions, and its migration tests
// LegacyFixture and CheckLegacy.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"atelier/store"
)

// Run runs the conformance suite. open must return a fresh, empty store each
// time it is called and close it when t ends; the suite may close it first.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"CreateAndGetWorld", testCreateAndGetWorld},
		{"ListWorlds", testListWorlds},
		{"RenameWorld", testRenameWorld},
		{"CreateWorldErrors", testCreateWorldErrors},
		{"Branches", testBranches},
		{"CreateBranchErrors", testCreateBranchErrors},
		{"NotFound", testNotFound},
		{"AppendContinuity", testAppendContinuity},
		{"RoundTrip", testRoundTrip},
		{"ChangeIndexAfter", testChangeIndexAfter},
		{"ChangesRange", testChangesRange},
		{"ChangesByOrdinal", testChangesByOrdinal},
		{"ChangeLog", testChangeLog},
		{"ChangeLogCap", testChangeLogCap},
		{"ChangeByHash", testChangeByHash},
		{"OrdinalAt", testOrdinalAt},
		{"Snapshots", testSnapshots},
		{"Touches", testTouches},
		{"TouchesRefused", testTouchesRefused},
		{"ConcurrentTouches", testConcurrentTouches},
		{"VersionRoundTrip", testVersionRoundTrip},
		{"ListVersions", testListVersions},
		{"CreateVersionErrors", testCreateVersionErrors},
		{"ConcurrentCreateVersion", testConcurrentCreateVersion},
		{"ConcurrentAppendsDifferentDocs", testConcurrentDifferentDocs},
		{"ConcurrentAppendsSameDoc", testConcurrentSameDoc},
		{"LargeDocument", testLargeDocument},
		{"ReviewRoundTrip", testReviewRoundTrip},
		{"ListReviews", testListReviews},
		{"ReviewState", testReviewState},
		{"ConcurrentReviewState", testConcurrentReviewState},
		{"Annotations", testAnnotations},
		{"AnnotationsRefused", testAnnotationsRefused},
		{"AnnotationWithTask", testAnnotationWithTask},
		{"Tasks", testTasks},
		{"TasksRefused", testTasksRefused},
		{"ListTasks", testListTasks},
		{"Close", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// t0 is the fixtures' base time. Its nanoseconds are not a whole number of
// microseconds, so the suite also checks that stores keep microseconds.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

// errAny in a table's wanted error means "some error, whichever".
var errAny = errors.New("any error")

// checkErr fails t unless err matches want: nil, errAny, or a sentinel.
func checkErr(t testing.TB, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want == errAny && err == nil:
		t.Fatalf("got no error, want one")
	case want != nil && want != errAny && !errors.Is(err, want):
		t.Fatalf("got error %v, want %v", err, want)
	}
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newWorldID returns a random version 4 UUID.
func newWorldID() store.WorldID {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return store.WorldID(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]))
}

func newDocID() store.DocID     { return store.DocID("doc" + randomHex(12)) }
func newLayerID() store.LayerID { return store.LayerID(newWorldID()) }

// change returns a deterministic change of doc at ordinal whose bytes (and so
// hash) depend on salt too, depending on the change before it.
func change(doc store.DocID, ordinal int64, salt string) store.Change {
	raw := rawChange(doc, ordinal, salt)
	c := store.Change{
		Doc:        doc,
		Ordinal:    ordinal,
		Hash:       sha256.Sum256(raw),
		Actor:      []byte{0xac, byte(ordinal), 0x00, 0xff},
		Seq:        uint64(ordinal),
		StartOp:    uint64(ordinal * 10),
		Time:       t0.UnixMilli() + ordinal,
		Message:    fmt.Sprintf("edit %d", ordinal),
		User:       "ada",
		ReceivedAt: t0.Add(time.Duration(ordinal) * time.Second),
		Raw:        raw,
	}
	if ordinal > 1 {
		c.Deps = []store.ChangeHash{sha256.Sum256(rawChange(doc, ordinal-1, salt))}
	}
	return c
}

// rawChange returns the bytes of change(doc, ordinal, salt).
func rawChange(doc store.DocID, ordinal int64, salt string) []byte {
	raw := fmt.Appendf(nil, "change %s #%d %s", doc, ordinal, salt)
	return binary.BigEndian.AppendUint64(raw, uint64(ordinal)) // some bytes that are not text
}

// changes returns changes first..last of doc, made by change with salt "".
func changes(doc store.DocID, first, last int64) []store.Change {
	var cs []store.Change
	for o := first; o <= last; o++ {
		cs = append(cs, change(doc, o, ""))
	}
	return cs
}

// newWorld returns a world with a manifest and one layer document per layer
// name, and docs for CreateWorld holding n initial changes each.
func newWorld(name string, n int64, layerNames ...string) (store.World, []store.NewDocument) {
	w := store.World{
		ID:        newWorldID(),
		Name:      name,
		Manifest:  newDocID(),
		CreatedAt: t0,
		CreatedBy: "ada",
	}
	docs := []store.NewDocument{{
		Document: store.Document{ID: w.Manifest, World: w.ID, Kind: store.KindManifest},
		Changes:  changes(w.Manifest, 1, n),
	}}
	for i, ln := range layerNames {
		l := store.Layer{ID: newLayerID(), World: w.ID, Name: ln, Doc: newDocID(), Position: i}
		w.Layers = append(w.Layers, l)
		docs = append(docs, store.NewDocument{
			Document: store.Document{ID: l.Doc, World: w.ID, Kind: store.KindLayer},
			Changes:  changes(l.Doc, 1, n),
		})
	}
	return w, docs
}

// mustCreate creates a world with one layer and n initial changes per
// document, and returns it and its layer document.
func mustCreate(t testing.TB, s store.Store, n int64) (store.World, store.DocID) {
	t.Helper()
	w, docs := newWorld("world "+randomHex(4), n, "ground")
	if err := s.CreateWorld(context.Background(), w, docs); err != nil {
		t.Fatalf("CreateWorld: %v", err)
	}
	return w, w.Layers[0].Doc
}

// instant is t as a store keeps it: microseconds, UTC, no monotonic reading.
func instant(t time.Time) time.Time { return time.UnixMicro(t.UnixMicro()).UTC() }

// normChange is c as a store returns it.
func normChange(c store.Change) store.Change {
	c.ReceivedAt = instant(c.ReceivedAt)
	c.Deps = nilIfEmpty(c.Deps)
	if len(c.Actor) == 0 {
		c.Actor = nil
	}
	if len(c.Raw) == 0 {
		c.Raw = nil
	}
	return c
}

// meta is c's index entry.
func meta(c store.Change) store.ChangeMeta {
	c = normChange(c)
	return store.ChangeMeta{Ordinal: c.Ordinal, Hash: c.Hash, Deps: c.Deps, Actor: c.Actor, Seq: c.Seq, Size: c.Size()}
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// checkChanges fails t unless got equals want field for field, as stored.
func checkChanges(t testing.TB, got, want []store.Change) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d changes (ordinals %v), want %d (%v)", len(got), ordinalsOf(got), len(want), ordinalsOf(want))
	}
	for i := range want {
		if g, w := normChange(got[i]), normChange(want[i]); !reflect.DeepEqual(g, w) {
			t.Fatalf("change %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// checkIndex fails t unless got is the index of want.
func checkIndex(t testing.TB, got []store.ChangeMeta, want []store.Change) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d index entries, want %d", len(got), len(want))
	}
	for i := range want {
		if w := meta(want[i]); !reflect.DeepEqual(got[i], w) {
			t.Fatalf("index entry %d:\n got %+v\nwant %+v", i, got[i], w)
		}
	}
}

func ordinalsOf(cs []store.Change) []int64 {
	os := make([]int64, len(cs))
	for i := range cs {
		os[i] = cs[i].Ordinal
	}
	return os
}

// mustIndex returns doc's whole change index.
func mustIndex(t testing.TB, s store.Store, doc store.DocID) []store.ChangeMeta {
	t.Helper()
	idx, err := s.ChangeIndex(context.Background(), doc, 0)
	if err != nil {
		t.Fatalf("ChangeIndex(%s): %v", doc, err)
	}
	return idx
}
