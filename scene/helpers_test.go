package scene

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// checkTree asserts every invariant Resolve promises for state s, using an
// independent O(n²) oracle for which nodes break cycles.
func checkTree(t testing.TB, s *LayerState, tree *Tree) {
	t.Helper()
	if err := treeErrors(s, tree); err != nil {
		t.Fatal(err)
	}
}

func treeErrors(s *LayerState, tree *Tree) error {
	if len(tree.Nodes) != len(s.Nodes) {
		return fmt.Errorf("tree has %d nodes, state has %d", len(tree.Nodes), len(s.Nodes))
	}
	if tree.Roots == nil {
		return fmt.Errorf("roots is nil, want non-nil")
	}
	if err := checkVisits(tree); err != nil {
		return err
	}
	if err := checkSorted("roots", tree.Roots, tree); err != nil {
		return err
	}
	broken := cycleMinimaOracle(s)
	for id, rn := range tree.Nodes {
		if err := checkNode(s, tree, id, rn, broken[id]); err != nil {
			return fmt.Errorf("node %q: %w", id, err)
		}
	}
	return nil
}

// checkVisits asserts Walk reaches every node exactly once with consistent
// depths, which also proves the result is acyclic.
func checkVisits(tree *Tree) error {
	seen := make(map[NodeID]int, len(tree.Nodes))
	var err error
	tree.Walk(func(id NodeID, depth int) {
		if _, dup := seen[id]; dup && err == nil {
			err = fmt.Errorf("node %q visited twice", id)
		}
		seen[id] = depth
	})
	if err != nil {
		return err
	}
	if len(seen) != len(tree.Nodes) {
		return fmt.Errorf("walk visited %d nodes, tree has %d", len(seen), len(tree.Nodes))
	}
	for id, d := range seen {
		if p := tree.Nodes[id].ResolvedParent; p != "" && seen[p] != d-1 {
			return fmt.Errorf("node %q at depth %d, parent %q at depth %d", id, d, p, seen[p])
		}
	}
	return nil
}

func checkNode(s *LayerState, tree *Tree, id NodeID, rn *ResolvedNode, wantBroken bool) error {
	if rn.ID != id {
		return fmt.Errorf("ID %q != key", rn.ID)
	}
	if rn.Children == nil {
		return fmt.Errorf("children is nil, want non-nil")
	}
	if err := checkSorted("children", rn.Children, tree); err != nil {
		return err
	}
	for _, c := range rn.Children {
		if tree.Nodes[c].ResolvedParent != id {
			return fmt.Errorf("child %q has parent %q", c, tree.Nodes[c].ResolvedParent)
		}
	}
	if rn.ResolvedParent == "" && !slices.Contains(tree.Roots, id) {
		return fmt.Errorf("root-level node missing from roots")
	}
	declared := NodeID("")
	if n := s.Nodes[id]; n != nil {
		declared = n.Parent
	}
	_, exists := s.Nodes[declared]
	wantOrphan := declared != "" && !exists
	switch {
	case rn.Orphan != wantOrphan:
		return fmt.Errorf("orphan = %v, want %v", rn.Orphan, wantOrphan)
	case rn.CycleBroken != wantBroken:
		return fmt.Errorf("cycleBroken = %v, want %v", rn.CycleBroken, wantBroken)
	case (rn.Orphan || rn.CycleBroken) && (rn.ResolvedParent != "" || rn.DeclaredParent != declared):
		return fmt.Errorf("detached node has parent %q declaredParent %q", rn.ResolvedParent, rn.DeclaredParent)
	case !rn.Orphan && !rn.CycleBroken && (rn.ResolvedParent != declared || rn.DeclaredParent != ""):
		return fmt.Errorf("parent %q declaredParent %q, want %q and \"\"", rn.ResolvedParent, rn.DeclaredParent, declared)
	}
	return nil
}

func checkSorted(what string, ids []NodeID, tree *Tree) error {
	for i := 1; i < len(ids); i++ {
		a, b := tree.Nodes[ids[i-1]], tree.Nodes[ids[i]]
		if a == nil || b == nil {
			return fmt.Errorf("%s lists an unknown node", what)
		}
		if cmp.Or(strings.Compare(a.Order, b.Order), strings.Compare(string(a.ID), string(b.ID))) >= 0 {
			return fmt.Errorf("%s not strictly sorted: %q(%q) before %q(%q)", what, a.ID, a.Order, b.ID, b.Order)
		}
	}
	return nil
}

// cycleMinimaOracle returns the nodes that must break cycles: for every node
// x whose declared parents lead back to x, the smallest id on that loop.
func cycleMinimaOracle(s *LayerState) map[NodeID]bool {
	parent := func(id NodeID) (NodeID, bool) {
		n := s.Nodes[id]
		if n == nil || n.Parent == "" {
			return "", false
		}
		_, ok := s.Nodes[n.Parent]
		return n.Parent, ok
	}
	out := map[NodeID]bool{}
	for x := range s.Nodes {
		low, cur := x, x
		for range len(s.Nodes) {
			p, ok := parent(cur)
			if !ok {
				break
			}
			cur, low = p, min(low, p)
			if cur == x {
				out[low] = true
				break
			}
		}
	}
	return out
}

// treeJSON marshals a tree; equal trees give equal bytes.
func treeJSON(t testing.TB, tree *Tree) string {
	t.Helper()
	b, err := json.Marshal(tree)
	if err != nil {
		t.Fatalf("marshal tree: %v", err)
	}
	return string(b)
}
