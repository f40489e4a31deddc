package scene

import (
	"maps"
	"testing"
)

// BenchmarkRestore measures Restore on a 10k-node Populate'd layer, given
// the target state (ReadLayer of an old version, measured on its own as
// ReadLayer). Each restore by node reads only what it needs of the current
// layer:
//
//   - node/props: one node's name, a translation element and a component
//     (alternating between two targets); reads that node;
//   - node/recreate: one node deleted since with its nine children; reads
//     those ten ids;
//   - node/delete: one node created since with nine children; reads the
//     layer's structure to find them;
//   - layer: the whole layer after one rename; reads every node.
func BenchmarkRestore(b *testing.B) {
	const n = 10_000
	doc, ids := benchLayer(b, n)
	target, err := ReadLayer(doc)
	if err != nil {
		b.Fatal(err)
	}
	gi := n / 2 // a group's parent: ids[gi+1…gi+9] are its children
	g := ids[gi]
	nodes := doc.Path("nodes").Map()
	commit := func(b *testing.B) {
		if _, err := doc.Commit("bench: setup"); err != nil {
			b.Fatal(err)
		}
	}
	restore := func(b *testing.B, tgt *LayerState, scope RestoreScope) RestoreResult {
		res, err := Restore(doc, tgt, scope, OpOptions{})
		if err != nil || !res.Changed {
			b.Fatalf("restore: %+v, %v", res, err)
		}
		return res
	}

	b.Run("ReadLayer", func(b *testing.B) {
		for b.Loop() {
			if _, err := ReadLayer(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("node/props", func(b *testing.B) {
		edited := &LayerState{Schema: target.Schema, Nodes: maps.Clone(target.Nodes)}
		e := *target.Nodes[g]
		e.Name, e.Transform.T[0], e.Components = "renamed", 42, map[string]map[string]any{"light": {"lux": 3.5}}
		edited.Nodes[g] = &e
		tgts := [2]*LayerState{edited, target}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if res := restore(b, tgts[i%2], RestoreScope{Nodes: []NodeID{g}}); len(res.Props) != 3 {
				b.Fatalf("props %+v", res.Props)
			}
			i++
		}
	})
	b.Run("node/recreate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			for _, id := range ids[gi : gi+10] {
				must(b, nodes.Delete(string(id)))
			}
			commit(b)
			b.StartTimer()
			if res := restore(b, target, RestoreScope{Nodes: []NodeID{g}}); len(res.Created) != 10 {
				b.Fatalf("created %v", res.Created)
			}
		}
	})
	b.Run("node/delete", func(b *testing.B) {
		b.ReportAllocs()
		next := 0
		for b.Loop() {
			b.StopTimer()
			x := nid(1_000_000 + next)
			must(b, AddNode(doc, Node{ID: x}))
			for k := range 9 {
				must(b, AddNode(doc, Node{ID: nid(1_000_001 + next + k), Parent: x}))
			}
			next += 10
			commit(b)
			b.StartTimer()
			if res := restore(b, target, RestoreScope{Nodes: []NodeID{x}}); len(res.Deleted) != 10 {
				b.Fatalf("deleted %v", res.Deleted)
			}
		}
	})
	b.Run("layer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			must(b, doc.Path("nodes", string(g), "name").Set("renamed"))
			commit(b)
			b.StartTimer()
			if res := restore(b, target, RestoreScope{}); len(res.Props) != 1 {
				b.Fatalf("props %+v", res.Props)
			}
		}
	})
}

// BenchmarkRevert measures Revert of a one-node change on a 10k-node
// layer, given the two states: it compares every node of before and after
// (resolving both) and reads only the changed node from the layer.
func BenchmarkRevert(b *testing.B) {
	const n = 10_000
	doc, ids := benchLayer(b, n)
	orig, err := ReadLayer(doc)
	if err != nil {
		b.Fatal(err)
	}
	g := ids[n/2]
	edited := &LayerState{Schema: orig.Schema, Nodes: maps.Clone(orig.Nodes)}
	e := *orig.Nodes[g]
	e.Name, e.Transform.T[1] = "renamed", 42
	edited.Nodes[g] = &e
	if _, err := Restore(doc, edited, RestoreScope{Nodes: []NodeID{g}}, OpOptions{}); err != nil {
		b.Fatal(err)
	}
	// The layer holds edited: reverting orig→edited sets orig back, and
	// the next iteration reverts that (edited→orig).
	pairs := [2][2]*LayerState{{orig, edited}, {edited, orig}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pairs[i%2]
		res, err := Revert(doc, p[0], p[1], OpOptions{})
		if err != nil || len(res.Props) != 2 || len(res.Conflicts) != 0 {
			b.Fatalf("revert: %+v, %v", res, err)
		}
		i++
	}
}
