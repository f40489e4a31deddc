package scene

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/automerge/automerge-go"
)

// TestSnapshotMatchesReadLayer: the structural reader sees the same
// parents and orders as ReadLayer, Text fields and malformed nodes included.
func TestSnapshotMatchesReadLayer(t *testing.T) {
	pop := newLayer(t)
	if _, err := Populate(pop, 60, 10, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]*automerge.Doc{"js": jsStyleLayer(t), "populate": pop} {
		t.Run(name, func(t *testing.T) {
			snap, err := readSnapshot(doc)
			if err != nil {
				t.Fatal(err)
			}
			full := mustRead(t, doc)
			if len(snap.state.Nodes) != len(full.Nodes) {
				t.Fatalf("%d nodes, ReadLayer %d", len(snap.state.Nodes), len(full.Nodes))
			}
			for id, n := range full.Nodes {
				if s := snap.state.Nodes[id]; s == nil || s.Parent != n.Parent || s.Order != n.Order {
					t.Fatalf("node %s: snapshot %+v, ReadLayer parent %q order %q", id, s, n.Parent, n.Order)
				}
			}
			if !reflect.DeepEqual(structureOnly(Resolve(full)), structureOnly(snap.tree)) {
				t.Fatal("trees differ")
			}
		})
	}
}

// structureOnly keeps the tree's shape: roots, parents and children.
func structureOnly(t *Tree) map[string]any {
	out := map[string]any{"roots": t.Roots}
	for id, n := range t.Nodes {
		out[string(id)] = []any{n.ResolvedParent, n.Children, n.Orphan, n.CycleBroken}
	}
	return out
}
