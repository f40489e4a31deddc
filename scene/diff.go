package scene

import (
	"bytes"
	"math"
	"reflect"
	"slices"
	"time"
)

// TreeDiff is what changed between two resolved trees of one layer, as
// Diff computes it. Every list is in a deterministic order: Added, Moved
// and Changed follow the new tree depth first in sibling order (so a
// parent is added before its children), Removed follows the old tree the
// same way. Lists are never nil, so they marshal as [].
type TreeDiff struct {
	Added   []NodeID     `json:"added"`
	Removed []NodeID     `json:"removed"`
	Moved   []NodeMove   `json:"moved"`
	Changed []PropChange `json:"changed"`
}

// Location is where a node is shown: its resolved parent ("" = the layer
// root) and its order among its siblings.
type Location struct {
	Parent NodeID `json:"parent"`
	Order  string `json:"order"`
}

// NodeMove is a node present in both trees whose resolved parent or order
// changed. A node whose siblings moved around it is not moved itself.
type NodeMove struct {
	ID     NodeID   `json:"id"`
	Before Location `json:"before"`
	After  Location `json:"after"`
}

// Ops of a PropChange, named as in JSON Patch (RFC 6902).
const (
	// DiffReplace is a property present in both trees with different values.
	DiffReplace = "replace"
	// DiffAdd is a component or component field only in the new tree.
	DiffAdd = "add"
	// DiffRemove is a component or component field only in the old tree.
	DiffRemove = "remove"
)

// PropChange is one property that differs on a node present in both
// trees. Path is a JSON Pointer relative to the node map, as in
// OpMessage.Props: "/name", "/kind", "/asset", "/transform/<t|r|s>/<i>",
// "/components/<name>" (a whole component added or removed; the value is
// its field map) or "/components/<name>/<key>" (one field). Before is nil
// for DiffAdd and After for DiffRemove. Numbers in component fields compare
// by value, so an int 3 and a float 3.0 are equal.
type PropChange struct {
	ID     NodeID `json:"id"`
	Op     string `json:"op"`
	Path   string `json:"path"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// Diff compares two resolved trees (from Resolve) of the same layer: the
// nodes added and removed, the nodes moved (resolved parent or order
// changed), and every changed property of the nodes in both (name, kind,
// asset, each transform element, component fields). A declared parent that
// changes without changing the resolved parent (an orphan pointing at
// another missing node) is not reported. A nil tree is an empty one. The
// trees are expected to come from Resolve (every node reachable once from
// Roots); for other trees the order is best effort.
func Diff(from, to *Tree) *TreeDiff {
	d := &TreeDiff{Added: []NodeID{}, Removed: []NodeID{}, Moved: []NodeMove{}, Changed: []PropChange{}}
	for _, id := range walkOrder(from) {
		if _, ok := nodesOf(to)[id]; !ok {
			d.Removed = append(d.Removed, id)
		}
	}
	for _, id := range walkOrder(to) {
		a, ok := nodesOf(from)[id]
		b := to.Nodes[id]
		if !ok || a == nil || b == nil {
			if !ok {
				d.Added = append(d.Added, id)
			}
			continue
		}
		before, after := Location{a.ResolvedParent, a.Order}, Location{b.ResolvedParent, b.Order}
		if before != after {
			d.Moved = append(d.Moved, NodeMove{ID: id, Before: before, After: after})
		}
		d.Changed = diffNode(d.Changed, id, &a.Node, &b.Node)
	}
	return d
}

func nodesOf(t *Tree) map[NodeID]*ResolvedNode {
	if t == nil {
		return nil
	}
	return t.Nodes
}

// walkOrder lists t's nodes depth first in sibling order. When the walk
// does not reach exactly the tree's nodes (a hand-built tree whose lists
// miss nodes), it keeps the first visit of each known node and appends the
// unreached ones by id.
func walkOrder(t *Tree) []NodeID {
	if t == nil {
		return nil
	}
	out := make([]NodeID, 0, len(t.Nodes))
	t.Walk(func(id NodeID, _ int) { out = append(out, id) })
	if len(out) == len(t.Nodes) && !slices.ContainsFunc(out, func(id NodeID) bool { return t.Nodes[id] == nil }) {
		return out // the usual case: Walk reached every node once
	}
	seen := make(map[NodeID]bool, len(t.Nodes))
	out = slices.DeleteFunc(out, func(id NodeID) bool {
		dup := seen[id] || t.Nodes[id] == nil
		seen[id] = true
		return dup
	})
	var rest []NodeID
	for id := range t.Nodes {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// diffNode appends the property changes from a to b.
func diffNode(out []PropChange, id NodeID, a, b *Node) []PropChange {
	for _, f := range [...]struct {
		path   string
		av, bv string
	}{{"/name", a.Name, b.Name}, {"/kind", a.Kind, b.Kind}, {"/asset", a.Asset, b.Asset}} {
		if f.av != f.bv {
			out = append(out, PropChange{ID: id, Op: DiffReplace, Path: f.path, Before: f.av, After: f.bv})
		}
	}
	vecs := [...]struct {
		key    string
		av, bv []float64
	}{{"t", a.Transform.T[:], b.Transform.T[:]}, {"r", a.Transform.R[:], b.Transform.R[:]}, {"s", a.Transform.S[:], b.Transform.S[:]}}
	for _, v := range vecs {
		for i := range v.av {
			if v.av[i] != v.bv[i] {
				out = append(out, PropChange{ID: id, Op: DiffReplace, Path: transformPaths[v.key][i], Before: v.av[i], After: v.bv[i]})
			}
		}
	}
	return diffComponents(out, id, a.Components, b.Components)
}

// transformPaths are the precomputed pointers of every transform element.
var transformPaths = map[string][]string{
	"t": {"/transform/t/0", "/transform/t/1", "/transform/t/2"},
	"r": {"/transform/r/0", "/transform/r/1", "/transform/r/2", "/transform/r/3"},
	"s": {"/transform/s/0", "/transform/s/1", "/transform/s/2"},
}

func diffComponents(out []PropChange, id NodeID, a, b map[string]map[string]any) []PropChange {
	if componentsEqual(a, b) {
		return out
	}
	for _, name := range unionKeys(a, b) {
		ca, inA := a[name]
		cb, inB := b[name]
		switch {
		case !inB:
			out = append(out, PropChange{ID: id, Op: DiffRemove, Path: pointer("components", name), Before: ca})
		case !inA:
			out = append(out, PropChange{ID: id, Op: DiffAdd, Path: pointer("components", name), After: cb})
		default:
			out = diffFields(out, id, name, ca, cb)
		}
	}
	return out
}

func diffFields(out []PropChange, id NodeID, name string, a, b map[string]any) []PropChange {
	for _, k := range unionKeys(a, b) {
		va, inA := a[k]
		vb, inB := b[k]
		var op string
		switch {
		case !inB:
			op = DiffRemove
		case !inA:
			op = DiffAdd
		case !valueEqual(va, vb):
			op = DiffReplace
		default:
			continue
		}
		out = append(out, PropChange{ID: id, Op: op, Path: pointer("components", name, k), Before: va, After: vb})
	}
	return out
}

// unionKeys returns the keys of a and b, sorted byte-wise, without
// duplicates.
func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// valueEqual compares two plain values (as decodeNode returns them),
// numbers by value whatever their Go type.
func valueEqual(a, b any) bool {
	if _, ok := number(a); ok {
		return numbersEqual(a, b)
	}
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, valueEqual)
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && fieldsEqual(x, y)
	}
	return reflect.DeepEqual(a, b)
}

// fieldsEqual compares two field maps with valueEqual.
func fieldsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !valueEqual(v, w) {
			return false
		}
	}
	return true
}

// componentsEqual reports whether two nodes' components are equal, the
// common case Diff checks before sorting anything.
func componentsEqual(a, b map[string]map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for name, fa := range a {
		if fb, ok := b[name]; !ok || !fieldsEqual(fa, fb) {
			return false
		}
	}
	return true
}

// number reads an int64, uint64 or float64 as a float64.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// numbersEqual compares two numbers exactly when both are integers (a
// float64 cannot tell large integers apart) and as floats otherwise.
func numbersEqual(a, b any) bool {
	fa, _ := number(a)
	fb, ok := number(b)
	if !ok {
		return false
	}
	na, ma, aInt := exactInt(a)
	nb, mb, bInt := exactInt(b)
	if aInt && bInt {
		return na == nb && ma == mb
	}
	return fa == fb
}

// exactInt splits an integer (or an integral float64 below 2^53, which is
// exact) into sign and magnitude, for comparing int64 with uint64.
func exactInt(v any) (neg bool, mag uint64, ok bool) {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return true, uint64(-(x + 1)) + 1, true
		}
		return false, uint64(x), true
	case uint64:
		return false, x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return exactInt(int64(x))
		}
	}
	return false, 0, false
}
