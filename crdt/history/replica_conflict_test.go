package history

import (
	"reflect"
	"testing"

	"atelier/crdt/format"

	"github.com/automerge/automerge-go"
)

// checkVersions compares the replica of all, read as of each version, with
// automerge-go's fork of all at those heads.
func checkVersions(t testing.TB, all *automerge.Doc, versions [][]automerge.ChangeHash) {
	t.Helper()
	sameState(t, all, "merged")
	r := replay(t, parsed(t, all))
	for k, heads := range versions {
		f, err := all.Fork(heads...)
		must(t, err)
		hs := make([]format.ChangeHash, len(heads))
		for i, h := range heads {
			hs[i] = format.ChangeHash(h)
		}
		v, err := r.At(hs)
		must(t, err)
		if got, want := normTimes(v.Root(nil, 1000, nil)), normTimes(wantPlain(t, f)); !reflect.DeepEqual(got, want) {
			t.Fatalf("version %d: got %v want %v", k, got, want)
		}
	}
}

// Counters in a map and a list incremented, overwritten, replaced and
// deleted concurrently, read at every version on the way.
func TestReplicaCounterOverwrittenConcurrently(t *testing.T) {
	a := automerge.New()
	must(t, a.SetActorID(actorA))
	must(t, a.RootMap().Set("n", automerge.NewCounter(5)))
	must(t, a.RootMap().Set("l", []any{automerge.NewCounter(1), automerge.NewCounter(2)}))
	commit(t, a, "init")
	b := fork(t, a, actorB)
	c := fork(t, a, "cccccccccccccccccccccccccccccccc")
	var versions [][]automerge.ChangeHash
	v, _ := a.RootMap().Get("n")
	must(t, v.Counter().Inc(3))
	lv := listAt(t, a, "l")
	e, _ := lv.Get(0)
	must(t, e.Counter().Inc(7))
	e, _ = lv.Get(1)
	must(t, e.Counter().Inc(11))
	commit(t, a, "inc")
	versions = append(versions, a.Heads())
	must(t, b.RootMap().Set("n", "x"))
	must(t, listAt(t, b, "l").Delete(0))
	must(t, listAt(t, b, "l").Set(0, automerge.NewCounter(100)))
	commit(t, b, "overwrite")
	versions = append(versions, b.Heads())
	must(t, c.RootMap().Set("n", automerge.NewCounter(50)))
	commit(t, c, "new counter")
	versions = append(versions, c.Heads())
	_, err := a.Merge(b)
	must(t, err)
	versions = append(versions, a.Heads())
	_, err = a.Merge(c)
	must(t, err)
	versions = append(versions, a.Heads())
	// increment the merged conflict
	v, _ = a.RootMap().Get("n")
	if v.Kind() == automerge.KindCounter {
		must(t, v.Counter().Inc(1000))
	}
	e, _ = listAt(t, a, "l").Get(0)
	if e.Kind() == automerge.KindCounter {
		must(t, e.Counter().Inc(1000))
	}
	commit(t, a, "inc merged")
	versions = append(versions, a.Heads())
	must(t, c.RootMap().Delete("n"))
	commit(t, c, "del")
	versions = append(versions, c.Heads())
	_, err = a.Merge(c)
	must(t, err)
	versions = append(versions, a.Heads())
	checkVersions(t, a, versions)
}

// An object and a text replaced while a concurrent change writes into the
// old ones.
func TestReplicaObjectReplacedWhileWritten(t *testing.T) {
	a := automerge.New()
	must(t, a.SetActorID(actorA))
	must(t, a.RootMap().Set("m", map[string]any{"x": 1}))
	must(t, a.RootMap().Set("t", automerge.NewText("hello")))
	commit(t, a, "init")
	b := fork(t, a, actorB)
	var versions [][]automerge.ChangeHash
	must(t, a.RootMap().Set("m", map[string]any{"y": 2}))
	must(t, a.RootMap().Set("t", automerge.NewText("bye")))
	commit(t, a, "replace")
	versions = append(versions, a.Heads())
	mv, _ := b.RootMap().Get("m")
	must(t, mv.Map().Set("z", 3))
	must(t, textAt(t, b, "t").Insert(5, " world"))
	must(t, textAt(t, b, "t").Delete(0, 1))
	must(t, b.RootMap().Set("same", 1))
	must(t, b.RootMap().Set("same", 2))
	must(t, b.RootMap().Delete("same"))
	must(t, b.RootMap().Set("same", 3))
	commit(t, b, "write old")
	versions = append(versions, b.Heads())
	_, err := a.Merge(b)
	must(t, err)
	versions = append(versions, a.Heads())
	checkVersions(t, a, versions)
}

// An increment names every visible op of its key as a predecessor; in
// automerge that hides a non-counter value it names (only counters survive
// increments), so a concurrent "x" that won over the counter disappears.
func TestReplicaIncHidesConflictingScalar(t *testing.T) {
	a := automerge.New()
	must(t, a.SetActorID(actorA))
	must(t, a.RootMap().Set("other", 0))
	commit(t, a, "init")
	b := fork(t, a, actorB)
	must(t, a.RootMap().Set("n", automerge.NewCounter(1)))
	commit(t, a, "counter")
	must(t, b.RootMap().Set("n", "x")) // same op counter, greater actor: wins
	commit(t, b, "x")
	v, err := a.RootMap().Get("n")
	must(t, err)
	ctr := v.Counter() // a handle on key n, taken while the counter showed
	_, err = a.Merge(b)
	must(t, err)
	before := a.Heads()
	must(t, ctr.Inc(10))
	commit(t, a, "inc")
	checkVersions(t, a, [][]automerge.ChangeHash{before, a.Heads()})
}

func mustFork(t *testing.T, d *automerge.Doc, heads []automerge.ChangeHash) *automerge.Doc {
	f, err := d.Fork(heads...)
	must(t, err)
	return f
}
