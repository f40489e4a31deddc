package scene

import (
	"cmp"
	"slices"
	"strings"
)

// ResolvedNode is a node placed in the resolved tree.
//
// ResolvedParent is where the node is shown ("" = the layer root). It
// differs from the declared Node.Parent only for an orphan or the node that
// breaks a cycle; for those two, DeclaredParent repeats the declared parent
// and is otherwise "". In JSON, "parent" is the resolved parent (it shadows
// Node.Parent). Children are the node's children in sibling order; never
// nil, so a leaf marshals as [].
type ResolvedNode struct {
	Node
	ResolvedParent NodeID   `json:"parent"`
	DeclaredParent NodeID   `json:"declaredParent,omitempty"`
	Orphan         bool     `json:"orphan"`
	CycleBroken    bool     `json:"cycleBroken"`
	Children       []NodeID `json:"children"`
}

// Tree is a layer resolved into a forest: Roots are the children of the
// layer root in sibling order, and Nodes holds every node of the state
// exactly once, keyed by id (a JSON object in JSON).
type Tree struct {
	Roots []NodeID                 `json:"roots"`
	Nodes map[NodeID]*ResolvedNode `json:"nodes"`
}

// Resolve places every node of s in a forest by the tree rules of the
// package documentation:
//
//  1. parent "" → under the layer root; a parent not in s.Nodes → under the
//     layer root with Orphan set;
//  2. in every cycle of declared parents (including a node that is its own
//     parent) the node with the byte-wise smallest id goes under the layer
//     root with CycleBroken set; every other node keeps its parent;
//  3. siblings, roots included, sort by Order, then by id, byte-wise.
//
// The result depends only on the contents of s, never on map iteration
// order. It runs in O(n log n) time and never recurses. A nil state yields
// an empty tree; a nil *Node reads as a node with defaults. The ResolvedNode
// values copy each Node, but share its Components maps and Warnings slice
// with s.
func Resolve(s *LayerState) *Tree {
	r := newResolver(s)
	r.breakCycles()
	return r.build()
}

// resolver holds Resolve's working state, indexed by position in nodes.
type resolver struct {
	nodes  []ResolvedNode
	parent []int // index of the resolved parent, or -1 for the layer root
}

func newResolver(s *LayerState) *resolver {
	var src map[NodeID]*Node
	if s != nil {
		src = s.Nodes
	}
	r := &resolver{nodes: make([]ResolvedNode, len(src)), parent: make([]int, len(src))}
	index := make(map[NodeID]int, len(src))
	i := 0
	for id, n := range src {
		if n != nil {
			r.nodes[i].Node = *n
		} else {
			r.nodes[i].Node = defaultNode(id)
			r.nodes[i].Warnings = []string{"node: null; using defaults"}
		}
		r.nodes[i].ID = id
		index[id] = i
		i++
	}
	for i := range r.nodes {
		rn := &r.nodes[i]
		j, ok := index[rn.Parent]
		switch {
		case rn.Parent == "":
			r.parent[i] = -1
		case !ok:
			r.parent[i] = -1
			rn.Orphan, rn.DeclaredParent = true, rn.Parent
		default:
			r.parent[i] = j
		}
	}
	return r
}

// breakCycles finds every cycle of the parent graph in O(n) and detaches
// the node with the smallest id in each. Each node has at most one parent,
// so cycles are disjoint and every walk up the parents either reaches the
// root, reaches a node an earlier walk visited, or closes a new cycle.
func (r *resolver) breakCycles() {
	walk := make([]int, len(r.nodes)) // 0 = unvisited, else 1 + start of the walk that visited it
	for start := range r.nodes {
		j := start
		for j >= 0 && walk[j] == 0 {
			walk[j] = start + 1
			j = r.parent[j]
		}
		if j >= 0 && walk[j] == start+1 {
			r.breakCycleAt(j)
		}
	}
}

// breakCycleAt detaches the smallest-id node of the cycle through j.
func (r *resolver) breakCycleAt(j int) {
	low := j
	for k := r.parent[j]; k != j; k = r.parent[k] {
		if r.nodes[k].ID < r.nodes[low].ID {
			low = k
		}
	}
	rn := &r.nodes[low]
	rn.CycleBroken, rn.DeclaredParent = true, rn.Parent
	r.parent[low] = -1
}

// build groups the nodes by resolved parent and sorts each sibling group
// by (Order, ID): O(n log n) at worst, close to O(n) for typical scenes
// where groups are small. All children lists share one backing array, each
// capped to its own length.
func (r *resolver) build() *Tree {
	n := len(r.nodes)
	starts := make([]int, n+2) // group g = parent index + 1 (0 = layer root)
	for i := range r.nodes {
		starts[r.parent[i]+2]++
	}
	for g := 2; g < len(starts); g++ {
		starts[g] += starts[g-1]
	}
	grouped := make([]int, n) // node indices, grouped by parent
	for i := range r.nodes {
		g := r.parent[i] + 1
		grouped[starts[g]] = i
		starts[g]++
	}
	// starts[g] is now the end of group g, and so the start of group g+1.
	ids := make([]NodeID, n)
	group := func(g int) []NodeID {
		lo, hi := 0, starts[g]
		if g > 0 {
			lo = starts[g-1]
		}
		idx := grouped[lo:hi]
		slices.SortFunc(idx, r.sibling)
		for k, i := range idx {
			ids[lo+k] = r.nodes[i].ID
		}
		return ids[lo:hi:hi]
	}
	t := &Tree{Roots: group(0), Nodes: make(map[NodeID]*ResolvedNode, n)}
	for i := range r.nodes {
		rn := &r.nodes[i]
		rn.Children = group(i + 1)
		if p := r.parent[i]; p >= 0 {
			rn.ResolvedParent = r.nodes[p].ID
		}
		t.Nodes[rn.ID] = rn
	}
	return t
}

// sibling orders node indices a and b by Order, then ID, byte-wise.
func (r *resolver) sibling(a, b int) int {
	na, nb := &r.nodes[a], &r.nodes[b]
	return cmp.Or(strings.Compare(na.Order, nb.Order), strings.Compare(string(na.ID), string(nb.ID)))
}

// Walk calls fn for every node of a tree made by Resolve, depth first in
// sibling order (a node before its children), with depth 0 for the layer
// root's children. It uses an explicit stack, so any depth is safe.
func (t *Tree) Walk(fn func(id NodeID, depth int)) {
	if t == nil {
		return
	}
	type frame struct {
		id    NodeID
		depth int
	}
	stack := make([]frame, 0, len(t.Roots))
	for i := len(t.Roots) - 1; i >= 0; i-- {
		stack = append(stack, frame{t.Roots[i], 0})
	}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		fn(f.id, f.depth)
		rn := t.Nodes[f.id]
		if rn == nil {
			continue
		}
		for i := len(rn.Children) - 1; i >= 0; i-- {
			stack = append(stack, frame{rn.Children[i], f.depth + 1})
		}
	}
}
