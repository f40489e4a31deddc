package scene

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// state builds a LayerState from id → [parent, order] pairs.
func state(nodes map[NodeID][2]string) *LayerState {
	s := &LayerState{Schema: LayerSchema, Nodes: map[NodeID]*Node{}}
	for id, po := range nodes {
		n := defaultNode(id)
		n.Parent, n.Order = NodeID(po[0]), po[1]
		s.Nodes[id] = &n
	}
	return s
}

// randomState makes n nodes with ids from a small alphabet (so byte order
// matters) and parents drawn from "", missing ids, the node itself and
// other nodes, which yields orphans, self-loops and cycles of every size.
func randomState(rng *rand.Rand, n int) *LayerState {
	ids := make([]NodeID, n)
	for i := range ids {
		ids[i] = NodeID(fmt.Sprintf("%c%d", "aAbZ"[rng.IntN(4)], i))
	}
	orders := []string{"", "a0", "a0", "a1", "Zz", "b"}
	s := &LayerState{Schema: LayerSchema, Nodes: make(map[NodeID]*Node, n)}
	for i, id := range ids {
		nd := defaultNode(id)
		nd.Order = orders[rng.IntN(len(orders))]
		switch r := rng.IntN(20); {
		case r == 0:
			nd.Parent = ""
		case r == 1:
			nd.Parent = NodeID(fmt.Sprintf("missing%d", rng.IntN(3)))
		case r == 2:
			nd.Parent = id
		case r < 12 && i > 0:
			nd.Parent = ids[rng.IntN(i)] // towards a tree
		default:
			nd.Parent = ids[rng.IntN(n)] // anything, often cycles
		}
		s.Nodes[id] = &nd
	}
	return s
}

// shuffledCopy rebuilds s's map with keys inserted in a random order.
func shuffledCopy(rng *rand.Rand, s *LayerState) *LayerState {
	keys := sortedKeys(s.Nodes)
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	out := &LayerState{Schema: s.Schema, Nodes: make(map[NodeID]*Node, len(keys))}
	for _, k := range keys {
		n := *s.Nodes[k]
		out.Nodes[k] = &n
	}
	return out
}

func TestResolveInvariantsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 2, 3, 5, 8, 13, 40, 150} {
		t.Run(fmt.Sprintf("n=%d", size), func(t *testing.T) {
			for range 60 {
				s := randomState(rng, size)
				tree := Resolve(s)
				checkTree(t, s, tree)
				want := treeJSON(t, tree)
				for range 4 {
					if got := treeJSON(t, Resolve(shuffledCopy(rng, s))); got != want {
						t.Fatalf("result depends on map order:\n%s\n%s", got, want)
					}
				}
			}
		})
	}
}

func TestResolveCases(t *testing.T) {
	tests := []struct {
		name      string
		nodes     map[NodeID][2]string
		wantRoots []NodeID
		broken    []NodeID
	}{
		{"long cycle", map[NodeID][2]string{"e": {"a", ""}, "a": {"b", ""}, "b": {"c", ""}, "c": {"d", ""}, "d": {"e", ""}}, []NodeID{"a"}, []NodeID{"a"}},
		{"cycle smallest is last", map[NodeID][2]string{"z": {"y", ""}, "y": {"a", ""}, "a": {"z", ""}}, []NodeID{"a"}, []NodeID{"a"}},
		{"tail into self loop", map[NodeID][2]string{"b": {"a", ""}, "a": {"a", ""}, "c": {"b", ""}}, []NodeID{"a"}, []NodeID{"a"}},
		{"byte order of ids", map[NodeID][2]string{"a": {"B", ""}, "B": {"a", ""}}, []NodeID{"B"}, []NodeID{"B"}},
		{"parent empty id is root", map[NodeID][2]string{"": {"", "b"}, "x": {"", "a"}}, []NodeID{"x", ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := state(tt.nodes)
			tree := Resolve(s)
			checkTree(t, s, tree)
			if !slices.Equal(tree.Roots, tt.wantRoots) {
				t.Errorf("roots = %q, want %q", tree.Roots, tt.wantRoots)
			}
			var broken []NodeID
			for _, id := range sortedKeys(tree.Nodes) {
				if tree.Nodes[id].CycleBroken {
					broken = append(broken, id)
				}
			}
			if !slices.Equal(broken, tt.broken) {
				t.Errorf("cycle broken at %q, want %q", broken, tt.broken)
			}
		})
	}
}

func TestResolveNilInputs(t *testing.T) {
	tree := Resolve(nil)
	if tree == nil || tree.Roots == nil || tree.Nodes == nil || len(tree.Nodes) != 0 {
		t.Fatalf("Resolve(nil) = %+v, want empty non-nil tree", tree)
	}
	s := &LayerState{Nodes: map[NodeID]*Node{"a": nil}}
	tree = Resolve(s)
	a := tree.Nodes["a"]
	if a == nil || a.Kind != KindEmpty || a.Transform != IdentityTransform() || len(a.Warnings) != 1 {
		t.Fatalf("nil node resolved to %+v", a)
	}
	if !slices.Equal(tree.Roots, []NodeID{"a"}) {
		t.Fatalf("roots = %q", tree.Roots)
	}
}

func TestWalk(t *testing.T) {
	s := state(map[NodeID][2]string{
		"r1": {"", "a0"}, "r2": {"", "a1"},
		"c1": {"r1", "a1"}, "c2": {"r1", "a0"}, "g1": {"c2", "a0"},
		"o": {"gone", "a2"}, "x": {"y", ""}, "y": {"x", ""},
	})
	type visit struct {
		id    NodeID
		depth int
	}
	var got []visit
	Resolve(s).Walk(func(id NodeID, depth int) { got = append(got, visit{id, depth}) })
	want := []visit{{"x", 0}, {"y", 1}, {"r1", 0}, {"c2", 1}, {"g1", 2}, {"c1", 1}, {"r2", 0}, {"o", 0}}
	if !slices.Equal(got, want) {
		t.Fatalf("walk = %v, want %v", got, want)
	}
	var nilTree *Tree
	nilTree.Walk(func(NodeID, int) { t.Fatal("walked a nil tree") })
}

func TestResolveDeepChain(t *testing.T) {
	const n = 100_000
	s := &LayerState{Nodes: make(map[NodeID]*Node, n)}
	for i := range n {
		nd := defaultNode(NodeID(fmt.Sprint(i)))
		if i > 0 {
			nd.Parent = NodeID(fmt.Sprint(i - 1))
		}
		s.Nodes[nd.ID] = &nd
	}
	s.Nodes["0"].Parent = NodeID(fmt.Sprint(n - 1)) // close one giant cycle
	tree := Resolve(s)
	maxDepth := 0
	tree.Walk(func(_ NodeID, d int) { maxDepth = max(maxDepth, d) })
	if !slices.Equal(tree.Roots, []NodeID{"0"}) || maxDepth != n-1 || !tree.Nodes["0"].CycleBroken {
		t.Fatalf("roots %q, depth %d", tree.Roots, maxDepth)
	}
}

// benchState is a 10k-node layer shaped like a real scene: a forest with
// a few dozen roots, branching children, shared order keys, a few orphans
// and a few two-node cycles.
func benchState(n int) *LayerState {
	rng := rand.New(rand.NewPCG(7, 7))
	s := &LayerState{Schema: LayerSchema, Nodes: make(map[NodeID]*Node, n)}
	ids := make([]NodeID, n)
	for i := range ids {
		ids[i] = NodeID(fmt.Sprintf("%08x-0000-4000-8000-%012x", rng.Uint32(), i))
		nd := defaultNode(ids[i])
		nd.Order = fmt.Sprintf("a%d", rng.IntN(50))
		switch {
		case i < 30:
		case i%997 == 0:
			nd.Parent = "deleted"
		default:
			nd.Parent = ids[rng.IntN(i)]
		}
		s.Nodes[ids[i]] = &nd
	}
	for i := 100; i+1 < n; i += 2500 { // a few concurrent-reparent cycles
		s.Nodes[ids[i]].Parent, s.Nodes[ids[i+1]].Parent = ids[i+1], ids[i]
	}
	return s
}

func BenchmarkResolve(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		s := benchState(n)
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Resolve(s)
			}
		})
	}
}
