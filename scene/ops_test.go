package scene

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/automerge/automerge-go"
)

// nid returns the canonical UUID numbered i, so ids sort like their numbers.
func nid(i int) NodeID {
	return NodeID(fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
}

// treeOf reads and resolves a layer document.
func treeOf(t testing.TB, doc *automerge.Doc) *Tree {
	t.Helper()
	s := mustRead(t, doc)
	tree := Resolve(s)
	checkTree(t, s, tree)
	return tree
}

// kids returns the resolved children of parent ("" = roots).
func kids(tree *Tree, parent NodeID) []NodeID {
	if parent == "" {
		return tree.Roots
	}
	return tree.Nodes[parent].Children
}

// opMessage returns the parsed message of change h, failing if it is not
// an operation message or its hash is not the only head.
func opMessage(t testing.TB, doc *automerge.Doc, h automerge.ChangeHash) OpMessage {
	t.Helper()
	if heads := doc.Heads(); len(heads) != 1 || heads[0] != h {
		t.Fatalf("heads %v, want only the op's change %v", heads, h)
	}
	ch, err := doc.Change(h)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := ParseOpMessage(ch.Message())
	if !ok {
		t.Fatalf("change message %q is not an op message", ch.Message())
	}
	return m
}

// wantUnchanged asserts that a failed operation wrote nothing: no change,
// no pending operation (doc.Heads commits pending ones).
func wantUnchanged(t testing.TB, doc *automerge.Doc, before []automerge.ChangeHash) {
	t.Helper()
	if after := doc.Heads(); !slices.Equal(after, before) {
		t.Fatalf("failed operation changed the document: heads %v, were %v", after, before)
	}
}

// build creates nodes with CreateNode: each entry is {id, parent, order}.
func build(t testing.TB, doc *automerge.Doc, nodes ...[3]string) {
	t.Helper()
	for _, n := range nodes {
		node := Node{ID: NodeID(n[0]), Parent: NodeID(n[1]), Order: n[2], Name: n[0][len(n[0])-2:]}
		if _, err := CreateNode(doc, node, Position{}, OpOptions{}); err != nil {
			t.Fatalf("create %s: %v", n[0], err)
		}
	}
}

func TestCreateNodePlacement(t *testing.T) {
	doc := newLayer(t)
	a, b, c, d, e := nid(1), nid(2), nid(3), nid(4), nid(5)
	steps := []struct {
		id   NodeID
		at   Position
		want []NodeID
	}{
		{a, Position{}, []NodeID{a}},
		{b, Position{}, []NodeID{a, b}},
		{c, Position{Before: a}, []NodeID{c, a, b}},
		{d, Position{After: a, Before: b}, []NodeID{c, a, d, b}},
		{e, Position{After: b}, []NodeID{c, a, d, b, e}},
	}
	for _, st := range steps {
		h, err := CreateNode(doc, Node{ID: st.id, Kind: KindGroup}, st.at, OpOptions{Author: "ana"})
		if err != nil {
			t.Fatalf("create %s at %+v: %v", st.id, st.at, err)
		}
		if got := kids(treeOf(t, doc), ""); !slices.Equal(got, st.want) {
			t.Fatalf("after creating %s: roots %v, want %v", st.id, got, st.want)
		}
		m := opMessage(t, doc, h)
		root := NodeID("")
		want := OpMessage{Version: 1, Op: OpCreate, Nodes: []NodeID{st.id}, Props: []string{""}, Parent: &root, Author: "ana"}
		if !reflect.DeepEqual(m, want) {
			t.Fatalf("message %+v, want %+v", m, want)
		}
	}
	orders := []string{}
	for _, id := range kids(treeOf(t, doc), "") {
		orders = append(orders, treeOf(t, doc).Nodes[id].Order)
	}
	if want := []string{"Zz", "a0", "a0V", "a1", "a2"}; !slices.Equal(orders, want) {
		t.Errorf("orders %v, want %v", orders, want)
	}
	changes, _ := doc.Changes()
	if len(changes) != 1+len(steps) {
		t.Errorf("%d changes, want one per operation plus the layer's", len(changes))
	}
}

func TestCreateNodeErrors(t *testing.T) {
	doc := newLayer(t)
	build(t, doc, [3]string{string(idA), "", "a0"}, [3]string{string(idB), string(idA), "a0"})
	tests := []struct {
		name string
		n    Node
		at   Position
		want error
	}{
		{"exists", Node{ID: idA}, Position{}, ErrNodeExists},
		{"bad id", Node{ID: "x"}, Position{}, ErrInvalidNode},
		{"missing parent", Node{ID: idC, Parent: nid(99)}, Position{}, ErrNodeNotFound},
		{"missing parent with order", Node{ID: idC, Parent: nid(99), Order: "a0"}, Position{}, ErrNodeNotFound},
		{"after a non-sibling", Node{ID: idC}, Position{After: idB}, ErrInvalidPosition},
		{"before a missing node", Node{ID: idC}, Position{Before: nid(99)}, ErrInvalidPosition},
		{"order and position", Node{ID: idC, Order: "a5"}, Position{After: idA}, ErrInvalidPosition},
		{"explicit order and siblings", Node{ID: idC}, Position{Order: "a5", After: idA}, ErrInvalidPosition},
		{"non-finite", Node{ID: idC, Transform: Transform{T: Vec3{1, 0, 0}, S: Vec3{math.Inf(1), 1, 1}}}, Position{}, ErrInvalidNode},
		{"bad author", Node{ID: idC}, Position{}, ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := doc.Heads()
			opt := OpOptions{}
			if tt.name == "bad author" {
				opt.Author = "\xff"
			}
			if _, err := CreateNode(doc, tt.n, tt.at, opt); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			wantUnchanged(t, doc, before)
		})
	}
	if _, err := CreateNode(nil, Node{ID: idC}, Position{}, OpOptions{}); !errors.Is(err, ErrNotLayer) {
		t.Errorf("nil doc: err = %v", err)
	}
}

// TestOpCommitsStrayOperations: writes a caller left uncommitted go into
// their own change, not into the operation's.
func TestOpCommitsStrayOperations(t *testing.T) {
	doc := newLayer(t)
	must(t, AddNode(doc, Node{ID: idA})) // not committed
	h, err := CreateNode(doc, Node{ID: idB}, Position{}, OpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := doc.Change(h)
	if err != nil {
		t.Fatal(err)
	}
	if deps := ch.Dependencies(); len(deps) != 1 {
		t.Fatalf("deps %v", deps)
	}
	stray, _ := doc.Change(ch.Dependencies()[0])
	if stray.Message() != "" {
		t.Fatalf("stray change message %q, want none", stray.Message())
	}
	if got := len(mustRead(t, doc).Nodes); got != 2 {
		t.Fatalf("%d nodes", got)
	}
}

func TestDeleteSubtree(t *testing.T) {
	doc := newLayer(t)
	a, b, c, d, e := nid(1), nid(2), nid(3), nid(4), nid(5)
	build(t, doc, [3]string{string(a), "", "a0"}, [3]string{string(b), string(a), "a1"},
		[3]string{string(c), string(b), "a0"}, [3]string{string(d), string(a), "a0"}, [3]string{string(e), "", "a1"})
	before := doc.Heads()
	if _, err := DeleteSubtree(doc, nid(99), OpOptions{}); !errors.Is(err, ErrNodeNotFound) {
		t.Fatalf("err = %v", err)
	}
	wantUnchanged(t, doc, before)
	h, err := DeleteSubtree(doc, a, OpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := opMessage(t, doc, h); m.Op != OpDelete || !slices.Equal(m.Nodes, []NodeID{a, d, b, c}) || m.Parent != nil {
		t.Fatalf("message %+v", m)
	}
	if s := mustRead(t, doc); len(s.Nodes) != 1 || s.Nodes[e] == nil {
		t.Fatalf("left %v", sortedKeys(s.Nodes))
	}
}

// TestDeleteSubtreeFollowsResolvedTree: an orphan shown under nothing and a
// cycle are handled by the resolved tree, not by declared parents.
func TestDeleteSubtreeFollowsResolvedTree(t *testing.T) {
	doc := newLayer(t)
	mustAdd(t, doc, Node{ID: idA, Parent: idB}, Node{ID: idB, Parent: idA}, Node{ID: idC, Parent: nid(99)})
	// Cycle a⇄b breaks at a: b is shown under a, so deleting a deletes b.
	if _, err := DeleteSubtree(doc, idA, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := mustRead(t, doc); !reflect.DeepEqual(sortedKeys(s.Nodes), []NodeID{idC}) {
		t.Fatalf("left %v", sortedKeys(s.Nodes))
	}
}

func TestReparent(t *testing.T) {
	doc := newLayer(t)
	a, b, c, d := nid(1), nid(2), nid(3), nid(4)
	build(t, doc, [3]string{string(a), "", "a0"}, [3]string{string(b), string(a), "a0"},
		[3]string{string(c), string(b), "a0"}, [3]string{string(d), "", "a1"})
	errs := []struct {
		name       string
		id, parent NodeID
		at         Position
		want       error
	}{
		{"under itself", a, a, Position{}, ErrWouldCycle},
		{"under its child", a, b, Position{}, ErrWouldCycle},
		{"under its grandchild", a, c, Position{}, ErrWouldCycle},
		{"missing node", nid(99), "", Position{}, ErrNodeNotFound},
		{"missing parent", c, nid(99), Position{}, ErrNodeNotFound},
		{"sibling elsewhere", c, d, Position{After: a}, ErrInvalidPosition},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			before := doc.Heads()
			if _, err := Reparent(doc, tt.id, tt.parent, tt.at, OpOptions{}); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			wantUnchanged(t, doc, before)
		})
	}
	h, err := Reparent(doc, c, "", Position{After: a, Before: d}, OpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := opMessage(t, doc, h)
	if m.Op != OpReparent || m.Parent == nil || *m.Parent != "" || !slices.Equal(m.Props, []string{"/parent", "/order"}) {
		t.Fatalf("message %+v", m)
	}
	tree := treeOf(t, doc)
	if got := kids(tree, ""); !slices.Equal(got, []NodeID{a, c, d}) || tree.Nodes[c].Order != "a0V" {
		t.Fatalf("roots %v, c order %q", got, tree.Nodes[c].Order)
	}
	// The former ancestor may now go under c.
	if _, err := Reparent(doc, a, c, Position{}, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := treeOf(t, doc).Nodes[a].ResolvedParent; got != c {
		t.Fatalf("a under %q", got)
	}
}

// TestReparentRepairsCycle: the cycle-broken node of a concurrent cycle
// can be reparented to the root; its cycle partner is its child, so moving
// it under the partner is refused.
func TestReparentRepairsCycle(t *testing.T) {
	doc := newLayer(t)
	mustAdd(t, doc, Node{ID: idA, Parent: idB, Order: "a0"}, Node{ID: idB, Parent: idA, Order: "a0"})
	if _, err := Reparent(doc, idA, idB, Position{}, OpOptions{}); !errors.Is(err, ErrWouldCycle) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Reparent(doc, idA, "", Position{}, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	tree := treeOf(t, doc)
	if a := tree.Nodes[idA]; a.CycleBroken || a.Parent != "" || tree.Nodes[idB].ResolvedParent != idA {
		t.Fatalf("a = %+v", a)
	}
}

func TestReorder(t *testing.T) {
	tests := []struct {
		name      string
		orders    []string // orders of siblings nid(1)…, created in that order
		move      int      // sibling to move (1-based)
		at        Position
		want      []int // resulting sibling sequence
		rekeyed   int   // how many siblings were re-keyed
		wantOrder string
	}{
		{"between", []string{"a0", "a1", "a2"}, 3, Position{After: nid(1), Before: nid(2)}, []int{1, 3, 2}, 0, "a0V"},
		{"to front", []string{"a0", "a1", "a2"}, 3, Position{Before: nid(1)}, []int{3, 1, 2}, 0, "Zz"},
		{"to end", []string{"a0", "a1", "a2"}, 1, Position{}, []int{2, 3, 1}, 0, "a3"},
		{"explicit", []string{"a0", "a1"}, 1, Position{Order: "b"}, []int{2, 1}, 0, "b"},
		{"collision", []string{"a0", "a1", "a1", "a2"}, 1, Position{After: nid(2), Before: nid(3)}, []int{2, 1, 3, 4}, 1, "a1G"},
		{"collision at end", []string{"a0", "a1", "a1"}, 1, Position{After: nid(2), Before: nid(3)}, []int{2, 1, 3}, 1, "a2"},
		{"empty orders", []string{"", "", ""}, 3, Position{After: nid(1), Before: nid(2)}, []int{1, 3, 2}, 1, "a0"},
		{"foreign orders", []string{"Z", "Y", "x"}, 1, Position{After: nid(3)}, []int{2, 3, 1}, 2, "a2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := newLayer(t)
			for i, o := range tt.orders {
				mustAdd(t, doc, Node{ID: nid(i + 1), Order: o})
			}
			h, err := Reorder(doc, nid(tt.move), tt.at, OpOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tree := treeOf(t, doc)
			var want []NodeID
			for _, i := range tt.want {
				want = append(want, nid(i))
			}
			if got := kids(tree, ""); !slices.Equal(got, want) {
				t.Fatalf("siblings %v, want %v", got, want)
			}
			m := opMessage(t, doc, h)
			if len(m.Rekeyed) != tt.rekeyed || tree.Nodes[nid(tt.move)].Order != tt.wantOrder {
				t.Fatalf("rekeyed %v, order %q; want %d, %q", m.Rekeyed, tree.Nodes[nid(tt.move)].Order, tt.rekeyed, tt.wantOrder)
			}
		})
	}
}

func TestReorderErrors(t *testing.T) {
	doc := newLayer(t)
	build(t, doc, [3]string{string(idA), "", ""}, [3]string{string(idB), "", ""}, [3]string{string(idC), string(idA), ""},
		[3]string{string(nid(4)), "", ""}, [3]string{string(nid(5)), "", ""})
	tests := []struct {
		name string
		id   NodeID
		at   Position
		want error
	}{
		{"missing", nid(99), Position{}, ErrNodeNotFound},
		{"after itself", idB, Position{After: idB}, ErrInvalidPosition},
		{"not adjacent", nid(5), Position{After: idA, Before: nid(4)}, ErrInvalidPosition},
		{"reversed", nid(5), Position{After: idB, Before: idA}, ErrInvalidPosition},
		{"before a non-sibling", idA, Position{Before: idC}, ErrInvalidPosition},
		{"bad order", idA, Position{Order: "\xff"}, ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := doc.Heads()
			if _, err := Reorder(doc, tt.id, tt.at, OpOptions{}); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			wantUnchanged(t, doc, before)
		})
	}
}

// TestConcurrentReordersSameGap: two replicas insert into the same gap and
// generate the same key; both show the same order (by id), and a later
// insertion between the two re-keys one of them.
func TestConcurrentReordersSameGap(t *testing.T) {
	base := newLayer(t)
	a, b, x, y := nid(1), nid(2), nid(3), nid(4)
	build(t, base, [3]string{string(a), "", "a0"}, [3]string{string(b), "", "a1"},
		[3]string{string(x), "", "a2"}, [3]string{string(y), "", "a3"})
	p1, p2 := fork(t, base), fork(t, base)
	for _, st := range []struct {
		doc *automerge.Doc
		id  NodeID
	}{{p1, x}, {p2, y}} {
		if _, err := Reorder(st.doc, st.id, Position{After: a, Before: b}, OpOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mergeBothWays(t, p1, p2)
	tree := treeOf(t, p1)
	if got := kids(tree, ""); !slices.Equal(got, []NodeID{a, x, y, b}) || tree.Nodes[x].Order != tree.Nodes[y].Order {
		t.Fatalf("roots %v", got)
	}
	if treeJSON(t, tree) != treeJSON(t, treeOf(t, p2)) {
		t.Fatal("replicas differ")
	}
	if _, err := Reorder(p1, b, Position{After: x, Before: y}, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := kids(treeOf(t, p1), ""); !slices.Equal(got, []NodeID{a, x, b, y}) {
		t.Fatalf("roots %v", got)
	}
}

// TestRecreateAdoptsOrphans: a node re-created with the id its orphans
// still name adopts them; under one of them it would be its own ancestor.
func TestRecreateAdoptsOrphans(t *testing.T) {
	n, o, p := nid(1), nid(2), nid(3)
	setup := func(t *testing.T) *automerge.Doc {
		doc := newLayer(t)
		mustAdd(t, doc, Node{ID: o, Parent: n}, Node{ID: p, Parent: o}) // n is gone
		return doc
	}
	t.Run("create", func(t *testing.T) {
		doc := setup(t)
		before := doc.Heads()
		if _, err := CreateNode(doc, Node{ID: n, Parent: p}, Position{}, OpOptions{}); !errors.Is(err, ErrWouldCycle) {
			t.Fatalf("err = %v", err)
		}
		if _, err := CreateNode(doc, Node{ID: n, Parent: p, Order: "a0"}, Position{}, OpOptions{}); !errors.Is(err, ErrWouldCycle) {
			t.Fatalf("explicit order: err = %v", err)
		}
		wantUnchanged(t, doc, before)
		if _, err := CreateNode(doc, Node{ID: n}, Position{}, OpOptions{}); err != nil {
			t.Fatal(err)
		}
		if tree := treeOf(t, doc); tree.Nodes[o].ResolvedParent != n || tree.Nodes[o].Orphan {
			t.Fatalf("o = %+v", tree.Nodes[o])
		}
	})
	t.Run("move", func(t *testing.T) {
		doc, src := setup(t), newLayer(t)
		mustAdd(t, src, Node{ID: nid(9)}, Node{ID: n, Parent: nid(9)})
		before := doc.Heads()
		if _, err := MoveSubtree(src, doc, nid(9), p, Position{}, MoveOptions{}); !errors.Is(err, ErrWouldCycle) {
			t.Fatalf("err = %v", err)
		}
		wantUnchanged(t, doc, before)
	})
}

// TestNoOpStillCommits: an operation that writes the value already there
// makes one empty change, so every operation is one change.
func TestNoOpStillCommits(t *testing.T) {
	doc := newLayer(t)
	mustAdd(t, doc, Node{ID: idA, Name: "same", Order: "a0"})
	for _, op := range []func() (automerge.ChangeHash, error){
		func() (automerge.ChangeHash, error) { return SetProperty(doc, idA, PropName, "same", OpOptions{}) },
		func() (automerge.ChangeHash, error) {
			return Reparent(doc, idA, "", Position{Order: "a0"}, OpOptions{})
		},
	} {
		h, err := op()
		if err != nil {
			t.Fatal(err)
		}
		opMessage(t, doc, h)
	}
}
