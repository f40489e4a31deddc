package scene

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// tn is a hand-built tree node: id, resolved parent, order, name, and
// optional components and translation x.
type tn struct {
	id, parent, order, name string
	comps                   map[string]map[string]any
	x                       float64
}

// handTree builds a Tree directly (not through Resolve), children in the
// given order.
func handTree(nodes ...tn) *Tree {
	t := &Tree{Roots: []NodeID{}, Nodes: map[NodeID]*ResolvedNode{}}
	for _, n := range nodes {
		rn := &ResolvedNode{Node: defaultNode(NodeID(n.id)), ResolvedParent: NodeID(n.parent), Children: []NodeID{}}
		rn.Parent, rn.Order, rn.Name, rn.Transform.T[0] = NodeID(n.parent), n.order, n.name, n.x
		if n.comps != nil {
			rn.Components = n.comps
		}
		t.Nodes[rn.ID] = rn
	}
	for _, n := range nodes {
		if n.parent == "" {
			t.Roots = append(t.Roots, NodeID(n.id))
		} else {
			p := t.Nodes[NodeID(n.parent)]
			p.Children = append(p.Children, NodeID(n.id))
		}
	}
	return t
}

func TestDiff(t *testing.T) {
	light := func(fields map[string]any) map[string]map[string]any {
		return map[string]map[string]any{"light": fields}
	}
	tests := []struct {
		name     string
		from, to *Tree
		want     string // JSON of the TreeDiff
	}{
		{"nil trees", nil, nil, `{"added":[],"removed":[],"moved":[],"changed":[]}`},
		{"identical", handTree(tn{id: "a", name: "A"}), handTree(tn{id: "a", name: "A"}),
			`{"added":[],"removed":[],"moved":[],"changed":[]}`},
		{"added parent before child", handTree(tn{id: "a"}),
			handTree(tn{id: "a"}, tn{id: "z"}, tn{id: "b", parent: "z"}),
			`{"added":["z","b"],"removed":[],"moved":[],"changed":[]}`},
		{"removed in old tree order", handTree(tn{id: "a"}, tn{id: "c", parent: "a"}, tn{id: "b"}),
			handTree(),
			`{"added":[],"removed":["a","c","b"],"moved":[],"changed":[]}`},
		{"moved parent and order", handTree(tn{id: "a"}, tn{id: "b", order: "a0"}, tn{id: "c", order: "a1"}),
			handTree(tn{id: "a"}, tn{id: "b", parent: "a", order: "a0"}, tn{id: "c", order: "a2"}),
			`{"added":[],"removed":[],"moved":[` +
				`{"id":"b","before":{"parent":"","order":"a0"},"after":{"parent":"a","order":"a0"}},` +
				`{"id":"c","before":{"parent":"","order":"a1"},"after":{"parent":"","order":"a2"}}],"changed":[]}`},
		{"properties", handTree(tn{id: "a", name: "A", x: 1}), handTree(tn{id: "a", name: "B", x: 2.5}),
			`{"added":[],"removed":[],"moved":[],"changed":[` +
				`{"id":"a","op":"replace","path":"/name","before":"A","after":"B"},` +
				`{"id":"a","op":"replace","path":"/transform/t/0","before":1,"after":2.5}]}`},
		{"components", handTree(tn{id: "a", comps: map[string]map[string]any{
			"light": {"lux": int64(3), "on": true, "tint": []any{"w"}}, "old": {"v": nil}}}),
			handTree(tn{id: "a", comps: map[string]map[string]any{
				"light": {"lux": 3.0, "on": false, "a/b": "new"}, "new": {}}}),
			`{"added":[],"removed":[],"moved":[],"changed":[` +
				`{"id":"a","op":"add","path":"/components/light/a~1b","before":null,"after":"new"},` +
				`{"id":"a","op":"replace","path":"/components/light/on","before":true,"after":false},` +
				`{"id":"a","op":"remove","path":"/components/light/tint","before":["w"],"after":null},` +
				`{"id":"a","op":"add","path":"/components/new","before":null,"after":{}},` +
				`{"id":"a","op":"remove","path":"/components/old","before":{"v":null},"after":null}]}`},
		{"numbers by value", handTree(tn{id: "a", comps: light(map[string]any{"n": uint64(1 << 60), "f": []any{int64(2)}})}),
			handTree(tn{id: "a", comps: light(map[string]any{"n": int64(1 << 60), "f": []any{2.0}})}),
			`{"added":[],"removed":[],"moved":[],"changed":[]}`},
		{"large ints differ", handTree(tn{id: "a", comps: light(map[string]any{"n": int64(1<<60 + 1)})}),
			handTree(tn{id: "a", comps: light(map[string]any{"n": uint64(1 << 60)})}),
			`{"added":[],"removed":[],"moved":[],"changed":[` +
				`{"id":"a","op":"replace","path":"/components/light/n","before":1152921504606846977,"after":1152921504606846976}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(Diff(tt.from, tt.to))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}

// TestDiffOfOps: the diff between the trees before and after an operation
// reports exactly what the operation did.
func TestDiffOfOps(t *testing.T) {
	doc := newLayer(t)
	a, b, _, _, e := sampleSubtree(t, doc)
	before := treeOf(t, doc)
	if _, err := Reparent(doc, b, e, Position{}, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := SetTransformElement(doc, a, "s", 2, 4, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	d := Diff(before, treeOf(t, doc))
	want := &TreeDiff{
		Added: []NodeID{}, Removed: []NodeID{},
		Moved:   []NodeMove{{ID: b, Before: Location{a, "a0"}, After: Location{e, "a0"}}},
		Changed: []PropChange{{ID: a, Op: DiffReplace, Path: "/transform/s/2", Before: 1.0, After: 4.0}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("diff %+v\nwant %+v", d, want)
	}
}

// TestDiffDeterministic: the same trees give byte-identical diffs, whatever
// the map iteration order.
func TestDiffDeterministic(t *testing.T) {
	from, to := benchDiffTrees(500)
	first, _ := json.Marshal(Diff(from, to))
	for range 5 {
		again, _ := json.Marshal(Diff(from, to))
		if string(again) != string(first) {
			t.Fatal("diff differs between runs")
		}
	}
}

// benchDiffTrees returns two resolved n-node layers that differ the way a
// busy editing session leaves them: ~1% of nodes added, removed, moved,
// renamed, transformed and with a component field changed.
func benchDiffTrees(n int) (*Tree, *Tree) {
	s1 := benchState(n)
	for _, nd := range s1.Nodes {
		nd.Components = map[string]map[string]any{"mesh": {"lod": int64(2), "cast": true}}
	}
	s2 := &LayerState{Schema: LayerSchema, Nodes: make(map[NodeID]*Node, n)}
	rng := rand.New(rand.NewPCG(9, 9))
	ids := sortedKeys(s1.Nodes)
	for _, id := range ids {
		c := *s1.Nodes[id]
		c.Components = map[string]map[string]any{"mesh": {"lod": int64(2), "cast": true}}
		switch rng.IntN(100) {
		case 0:
			continue // removed
		case 1:
			c.Parent = ids[rng.IntN(len(ids))]
		case 2:
			c.Name += " (renamed)"
		case 3:
			c.Transform.T[1] += 1.5
		case 4:
			c.Components["mesh"]["lod"] = int64(3)
		}
		s2.Nodes[id] = &c
	}
	for i := range n / 100 {
		id := NodeID(fmt.Sprintf("ffffffff-0000-4000-8000-%012x", i))
		nd := defaultNode(id)
		s2.Nodes[id] = &nd
	}
	return Resolve(s1), Resolve(s2)
}

func BenchmarkDiff(b *testing.B) {
	from, to := benchDiffTrees(10_000)
	b.ReportAllocs()
	for b.Loop() {
		Diff(from, to)
	}
}
