package history

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"atelier/crdt/format"
	"atelier/scene"

	"github.com/automerge/automerge-go"
)

// wantPlain is automerge-go's own reading of d's root, the reference a
// Replica must agree with.
func wantPlain(t testing.TB, d *automerge.Doc) map[string]any {
	t.Helper()
	out, _ := d.Root().Interface().(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// replay applies cs to a new Replica.
func replay(t testing.TB, cs []*format.Change) *Replica {
	t.Helper()
	r := NewReplica()
	for i, c := range cs {
		if err := r.Apply(c); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
	}
	return r
}

// sameState fails unless the replica of d's changes reads as d does.
func sameState(t testing.TB, d *automerge.Doc, what string) {
	t.Helper()
	got := replay(t, parsed(t, d)).Root(nil, 1000, nil)
	want := wantPlain(t, d)
	if !reflect.DeepEqual(normTimes(got), normTimes(want)) {
		t.Fatalf("%s: replica differs from automerge\n got: %v\nwant: %v", what, got, want)
	}
}

// normTimes replaces time.Time values by their milliseconds, as the two
// readers may give them different locations.
func normTimes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normTimes(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normTimes(e)
		}
		return out
	case time.Time:
		return x.UnixMilli()
	}
	return v
}

func TestReplicaMatchesAutomergeOnLayers(t *testing.T) {
	d := newLayer(t, actorA)
	_, err := scene.Populate(d, 300, 3000, rand.New(rand.NewPCG(1, 2)))
	must(t, err)
	sameState(t, d, "populated layer")
}

func TestReplicaMatchesAutomergeOnJSHistory(t *testing.T) {
	_, cs := loadJS(t)
	var all []byte
	for _, c := range cs {
		all = append(all, c.Raw...)
	}
	d, err := automerge.Load(all)
	must(t, err)
	got, want := normTimes(replay(t, cs).Root(nil, 1000, nil)), normTimes(wantPlain(t, d))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("replica differs\n got: %v\nwant: %v", got, want)
	}
}

// TestReplicaMatchesAutomergeConcurrently has three replicas of a generic
// document (maps, lists, texts, counters, timestamps, deletes, objects
// replacing objects) edit concurrently and merge in random orders; after
// every round the Go replica of the merged log must read exactly as
// automerge does, including which of two concurrent writes wins.
func TestReplicaMatchesAutomergeConcurrently(t *testing.T) {
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 77))
		peers := threePeers(t)
		for round := range 8 {
			for _, p := range peers {
				editAndCommit(t, rng, p, 1+rng.IntN(3))
			}
			for _, i := range rng.Perm(len(peers)) {
				j := rng.IntN(len(peers))
				if i != j {
					_, err := peers[i].Merge(peers[j])
					must(t, err)
				}
			}
			sameState(t, peers[0], fmt.Sprintf("seed %d round %d", seed, round))
		}
	}
}

// TestReplicaViewsMatchAutomerge reads one replica of a concurrent
// history as of many earlier versions (each peer's heads after each round:
// sets of changes that are not prefixes of the log) and as of prefixes of
// its log, and compares each with automerge-go's fork at those heads and
// with a replica of just that prefix.
func TestReplicaViewsMatchAutomerge(t *testing.T) {
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 99))
		peers := threePeers(t)
		var versions [][]automerge.ChangeHash
		for range 6 {
			for _, p := range peers {
				editAndCommit(t, rng, p, 1+rng.IntN(3))
				versions = append(versions, p.Heads())
			}
			i, j := rng.IntN(len(peers)), rng.IntN(len(peers))
			if i != j {
				_, err := peers[i].Merge(peers[j])
				must(t, err)
			}
		}
		all := peers[0]
		for _, p := range peers[1:] {
			_, err := all.Merge(p)
			must(t, err)
		}
		checkVersions(t, all, versions)
		cs := parsed(t, all)
		r := replay(t, cs)
		for n := 0; n <= len(cs); n += 1 + len(cs)/7 {
			got, want := normTimes(r.Prefix(n).Root(nil, 1000, nil)), normTimes(replay(t, cs[:n]).Root(nil, 1000, nil))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d prefix %d: view differs from a replica of the prefix\n got: %v\nwant: %v", seed, n, got, want)
			}
		}
		if _, err := r.At([]format.ChangeHash{{1}}); !errors.Is(err, ErrUnknownHead) {
			t.Fatalf("unknown head: %v", err)
		}
	}
}

// threePeers returns three copies (actors aa…, bb…, cc…) of a document
// with a list, a text and a counter.
func threePeers(t testing.TB) []*automerge.Doc {
	t.Helper()
	base := automerge.New()
	must(t, base.SetActorID(actorA))
	must(t, base.RootMap().Set("list", automerge.NewList()))
	must(t, base.RootMap().Set("text", automerge.NewText("")))
	must(t, base.RootMap().Set("n", automerge.NewCounter(0)))
	commit(t, base, "init")
	return []*automerge.Doc{base, fork(t, base, actorB), fork(t, base, "cccccccccccccccccccccccccccccccc")}
}

// editAndCommit makes n random edits to d, each its own change.
func editAndCommit(t testing.TB, rng *rand.Rand, d *automerge.Doc, n int) {
	t.Helper()
	for range n {
		genericEdit(t, rng, d)
		_, err := d.Commit("edit", automerge.CommitOptions{AllowEmpty: true, Time: &commitTime})
		must(t, err)
	}
}

// genericEdit makes one random uncommitted edit to d.
func genericEdit(t testing.TB, rng *rand.Rand, d *automerge.Doc) {
	t.Helper()
	root := d.RootMap()
	keys := []string{"a", "b", "c"}
	k := keys[rng.IntN(len(keys))]
	switch rng.IntN(10) {
	case 0:
		must(t, root.Set(k, rng.IntN(100)))
	case 1:
		must(t, root.Set(k, fmt.Sprintf("s%d", rng.IntN(100))))
	case 2:
		must(t, root.Set(k, map[string]any{"x": rng.Float64(), "when": time.UnixMilli(rng.Int64N(1e12))}))
	case 3:
		must(t, root.Delete(k))
	case 4:
		v, err := root.Get("n")
		must(t, err)
		if v.Kind() == automerge.KindCounter {
			must(t, v.Counter().Inc(int64(rng.IntN(5))-2))
		}
	case 5, 6:
		l := listAt(t, d, "list")
		n := l.Len()
		switch {
		case n > 0 && rng.IntN(3) == 0:
			must(t, l.Delete(rng.IntN(n)))
		case n > 0 && rng.IntN(2) == 0:
			must(t, l.Set(rng.IntN(n), rng.IntN(1000)))
		default:
			must(t, l.Insert(rng.IntN(n+1), rng.IntN(1000)))
		}
	case 7, 8:
		tx := textAt(t, d, "text")
		n := tx.Len()
		if n > 0 && rng.IntN(3) == 0 {
			must(t, tx.Delete(rng.IntN(n), 1))
		} else {
			must(t, tx.Insert(rng.IntN(n+1), string(rune('a'+rng.IntN(26)))))
		}
	default:
		v, err := root.Get(k)
		must(t, err)
		if v.Kind() == automerge.KindMap {
			must(t, v.Map().Set("y", rng.IntN(10)))
		} else {
			must(t, root.Set(k, []any{1, "two", false, nil, []byte{3}}))
		}
	}
}

func TestReplicaTruncatesDeepValues(t *testing.T) {
	d := automerge.New()
	must(t, d.RootMap().Set("deep", map[string]any{"a": map[string]any{"b": map[string]any{"c": 1}}}))
	commit(t, d, "deep")
	got := replay(t, parsed(t, d)).Root([]string{"deep", "missing"}, 2, "cut")
	want := map[string]any{"deep": map[string]any{"a": map[string]any{"b": "cut"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestReplicaRejectsOutOfOrderChanges(t *testing.T) {
	d := automerge.New()
	must(t, d.SetActorID(actorA))
	must(t, d.RootMap().Set("x", 1))
	commit(t, d, "x")
	must(t, d.RootMap().Set("x", 2))
	commit(t, d, "x again")
	cs := parsed(t, d)
	r := NewReplica()
	if err := r.Apply(cs[1]); err == nil {
		t.Fatal("applied seq 2 before seq 1")
	}
	if r.Len() != 0 || len(r.Root(nil, 10, nil)) != 0 {
		t.Fatal("a refused change altered the replica")
	}
}
