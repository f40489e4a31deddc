package history

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"atelier/crdt/format"
	"atelier/scene"

	"github.com/automerge/automerge-go"
)

// fork returns a copy of d that writes as actor.
func fork(t testing.TB, d *automerge.Doc, actor string) *automerge.Doc {
	t.Helper()
	f, err := d.Fork()
	must(t, err)
	must(t, f.SetActorID(actor))
	return f
}

// listAt returns the list at path in d. (automerge-go's Path.List cannot
// Delete: it never resolves its object id.)
func listAt(t testing.TB, d *automerge.Doc, path ...any) *automerge.List {
	t.Helper()
	v, err := d.Path(path...).Get()
	must(t, err)
	return v.List()
}

// textAt returns the Text at path in d.
func textAt(t testing.TB, d *automerge.Doc, path ...any) *automerge.Text {
	t.Helper()
	v, err := d.Path(path...).Get()
	must(t, err)
	return v.Text()
}

// merge merges src into dst.
func merge(t testing.TB, dst, src *automerge.Doc) {
	t.Helper()
	_, err := dst.Merge(src)
	must(t, err)
}

func TestConcurrentRenameAndMove(t *testing.T) {
	base := newLayer(t, actorA)
	addNode(t, base, scene.Node{ID: crateID, Name: "Crate"})
	commit(t, base, "add crate")
	a, b := fork(t, base, actorA), fork(t, base, actorB)
	must(t, a.Path("nodes", crateID, "transform", "t", 0).Set(1.0))
	must(t, a.Path("nodes", crateID, "name").Set("Crate A"))
	commit(t, a, "a")
	must(t, b.Path("nodes", crateID, "transform", "t", 0).Set(2.0))
	must(t, b.Path("nodes", crateID, "transform", "t", 1).Set(3.0))
	must(t, b.Path("nodes", crateID, "name").Set("Crate B"))
	commit(t, b, "b")
	heads := base.Heads()
	ca, cb := parsed(t, a, heads...)[0], parsed(t, b, heads...)[0]
	merge(t, a, b)
	if got := docString(t, a, "nodes", crateID, "name"); got != "Crate B" {
		t.Fatalf("automerge picked %q; the test assumes actor B wins", got)
	}
	must(t, a.Path("nodes", crateID, "name").Set("Crate C"))
	commit(t, a, "after merge")
	all := parsed(t, a)
	last := all[len(all)-1]

	aTouch := NodeTouch{ID: crateID, Props: props("name", "transform.t.0"), Name: "Crate A", OldName: "Crate"}
	bTouch := NodeTouch{ID: crateID, Props: props("name", "transform.t.0", "transform.t.1"), Name: "Crate B"}
	tests := []struct {
		name    string
		order   []*format.Change
		want    []NodeTouch
		summary []string
		blame   map[string]int // changes 0 and 1 are the base; the order's are 2, 3, 4
	}{
		{
			name:  "a then b",
			order: []*format.Change{ca, cb, last},
			want: []NodeTouch{aTouch, {ID: crateID, Props: bTouch.Props, Name: "Crate B", OldName: "Crate A"},
				{ID: crateID, Props: props("name"), Name: "Crate C", OldName: "Crate B"}},
			summary: []string{"moved Crate A; renamed Crate → Crate A", "moved Crate B; renamed Crate A → Crate B",
				"renamed Crate B → Crate C"},
			blame: map[string]int{"name": 4, "transform.t.0": 3, "transform.t.1": 3, "transform.t.2": 1},
		},
		{
			name:  "b then a",
			order: []*format.Change{cb, ca, last},
			want: []NodeTouch{{ID: crateID, Props: bTouch.Props, Name: "Crate B", OldName: "Crate"},
				{ID: crateID, Props: aTouch.Props, Name: "Crate B"},
				{ID: crateID, Props: props("name"), Name: "Crate C", OldName: "Crate B"}},
			summary: []string{"moved Crate B; renamed Crate → Crate B", "moved Crate B; edited Crate B (name)",
				"renamed Crate B → Crate C"},
			blame: map[string]int{"name": 4, "transform.t.0": 3, "transform.t.1": 2, "transform.t.2": 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker()
			applyAll(t, tr, parsed(t, base))
			for i, tch := range applyAll(t, tr, tc.order) {
				want := Touch{Nodes: []NodeTouch{tc.want[i]}}
				if !reflect.DeepEqual(tch, want) {
					t.Errorf("change %d:\n got %s\nwant %s", i, js(tch), js(want))
				}
				if s := Summary(tch); s != tc.summary[i] {
					t.Errorf("change %d summary %q, want %q", i, s, tc.summary[i])
				}
			}
			blame := tr.LastSet(crateID)
			for p, want := range tc.blame {
				if blame[p] != want {
					t.Errorf("LastSet[%s] = %d, want %d", p, blame[p], want)
				}
			}
		})
	}
}

func TestConcurrentListInserts(t *testing.T) {
	base := newLayer(t, actorA)
	addNode(t, base, scene.Node{ID: lampID, Name: "Lamp", Components: map[string]map[string]any{
		"path": {"points": []any{10, 20}},
	}})
	commit(t, base, "add lamp")
	heads := base.Heads()
	a, b := fork(t, base, actorA), fork(t, base, actorB)
	must(t, listAt(t, a, "nodes", lampID, "components", "path", "points").Insert(1, int64(11)))
	commit(t, a, "a inserts")
	must(t, listAt(t, b, "nodes", lampID, "components", "path", "points").Insert(1, int64(12)))
	commit(t, b, "b inserts")
	ca, cb := parsed(t, a, heads...)[0], parsed(t, b, heads...)[0]
	merge(t, a, b)
	must(t, a.Path("nodes", lampID, "components", "path", "points", 2).Set(int64(99)))
	must(t, listAt(t, a, "nodes", lampID, "components", "path", "points").Delete(0))
	commit(t, a, "a sets index 2, deletes index 0")
	all := parsed(t, a)
	last := all[len(all)-1]
	v, err := a.Path("nodes", lampID, "components", "path", "points").Get()
	must(t, err)
	if got := js(v.Interface()); got != "[12,99,20]" {
		t.Fatalf("automerge list %s; the test assumes [12,99,20]", got)
	}
	for _, order := range [][]*format.Change{{ca, cb, last}, {cb, ca, last}} {
		tr := NewTracker()
		applyAll(t, tr, parsed(t, base))
		got := applyAll(t, tr, order)
		want := [][]string{{"components.path.points.1"}, {"components.path.points.1"},
			{"components.path.points.0", "components.path.points.2"}}
		if order[0] == cb {
			// b's element sorts first: a's insert lands after it.
			want[1] = []string{"components.path.points.2"}
		}
		for i := range got {
			if p := got[i].Nodes[0].Props; !reflect.DeepEqual(p, want[i]) {
				t.Errorf("order %s, change %d: props %v, want %v", order[0].Message, i, p, want[i])
			}
		}
		if n := trackedLen(tr, lampID, "components.path.points"); n != 3 {
			t.Errorf("tracked list length %d, want 3", n)
		}
	}
}

// trackedLen returns the number of visible elements the tracker holds for
// the list at path of node id, or -1.
func trackedLen(tr *Tracker, id, path string) int {
	n := tr.nodeIdx[id]
	for i := range tr.objs {
		o := &tr.objs[i]
		if o.node == n && o.role == roleInner && o.seq != nil && tr.objPath(int32(i)) == path {
			return o.seq.index(len(o.seq.elems))
		}
	}
	return -1
}

// topoShuffle returns cs in a random order that keeps every change after
// its dependencies.
func topoShuffle(cs []*format.Change, rng *rand.Rand) []*format.Change {
	done := map[format.ChangeHash]bool{}
	left := append([]*format.Change(nil), cs...)
	out := make([]*format.Change, 0, len(cs))
	for len(left) > 0 {
		var ready []int
		for i, c := range left {
			ok := true
			for _, d := range c.Deps {
				ok = ok && done[d]
			}
			if ok {
				ready = append(ready, i)
			}
		}
		i := ready[rng.IntN(len(ready))]
		out = append(out, left[i])
		done[left[i].Hash] = true
		left = append(left[:i], left[i+1:]...)
	}
	return out
}

// randomEdit makes one random edit on d: a splice of the lamp's Text name,
// or an insert, delete or overwrite in its points list.
func randomEdit(t testing.TB, d *automerge.Doc, rng *rand.Rand) {
	t.Helper()
	txt := textAt(t, d, "nodes", lampID, "name")
	list := listAt(t, d, "nodes", lampID, "components", "path", "points")
	switch n := list.Len(); rng.IntN(4) {
	case 0, 1:
		l := txt.Len()
		pos := rng.IntN(l + 1)
		del := rng.IntN(min(3, l-pos) + 1)
		ins := strings.Repeat(string(rune('a'+rng.IntN(26))), rng.IntN(3))
		must(t, txt.Splice(pos, del, ins))
	case 2:
		must(t, list.Insert(rng.IntN(n+1), rng.Int64N(1000)))
	default:
		if n == 0 {
			must(t, list.Append(int64(1)))
		} else if rng.IntN(2) == 0 {
			must(t, list.Delete(rng.IntN(n)))
		} else {
			must(t, list.Set(rng.IntN(n), rng.Int64N(1000)))
		}
	}
}

// TestRandomConcurrentEdits has three actors edit a Text name and a list
// concurrently with random merges, then checks that the tracker, fed the
// history in several causal orders, rebuilds the name automerge shows and
// the list's length.
func TestRandomConcurrentEdits(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 12 {
		base := newLayer(t, actorA)
		addNode(t, base, scene.Node{ID: lampID, Components: map[string]map[string]any{"path": {"points": []any{1, 2}}}})
		must(t, base.Path("nodes", lampID, "name").Set(automerge.NewText("Lamp")))
		commit(t, base, "add lamp")
		docs := []*automerge.Doc{base, fork(t, base, actorB), fork(t, base, "cccccccccccccccccccccccccccccccc")}
		for range 40 {
			d := docs[rng.IntN(len(docs))]
			for range 1 + rng.IntN(3) {
				randomEdit(t, d, rng)
			}
			// Some edits are no-ops: empty changes are part of real histories.
			_, err := d.Commit("edit", automerge.CommitOptions{Time: &commitTime, AllowEmpty: true})
			must(t, err)
			if o := docs[rng.IntN(len(docs))]; o != d && rng.IntN(4) == 0 {
				merge(t, d, o) // (merging a doc into itself deadlocks automerge-go)
			}
		}
		merge(t, docs[0], docs[1])
		merge(t, docs[0], docs[2])
		wantName := docString(t, docs[0], "nodes", lampID, "name")
		wantLen := listAt(t, docs[0], "nodes", lampID, "components", "path", "points").Len()
		cs := parsed(t, docs[0])
		for k := range 3 {
			tr := NewTracker()
			applyAll(t, tr, topoShuffle(cs, rng))
			if got := tr.name(tr.nodeIdx[lampID]); got != wantName {
				t.Fatalf("trial %d order %d: name %q, automerge %q", trial, k, got, wantName)
			}
			if got := trackedLen(tr, lampID, "components.path.points"); got != wantLen {
				t.Fatalf("trial %d order %d: list length %d, automerge %d", trial, k, got, wantLen)
			}
		}
	}
}
