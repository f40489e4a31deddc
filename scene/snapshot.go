package scene

import (
	"fmt"

	"github.com/automerge/automerge-go"
)

// snapshot is the structural view of a layer that an operation validates
// against and places nodes by: every node's declared parent and order, read
// with exactly ReadLayer's leniency, and the tree Resolve makes of them.
// Reading it costs two field reads per node (about 6 µs per node on the
// dev machine), far less than ReadLayer, which reads every field.
type snapshot struct {
	nodes *automerge.Map
	state *LayerState // Parent and Order only; other fields at defaults
	tree  *Tree
}

// readSnapshot reads the structure of a layer document.
func readSnapshot(doc *automerge.Doc) (*snapshot, error) {
	nodes, err := layerNodes(doc)
	if err != nil {
		return nil, err
	}
	values, err := nodes.Values()
	if err != nil {
		return nil, fmt.Errorf("scene: read nodes: %w", err)
	}
	st := &LayerState{Schema: LayerSchema, Nodes: make(map[NodeID]*Node, len(values))}
	for k, v := range values {
		n := defaultNode(NodeID(k))
		if v.Kind() == automerge.KindMap {
			m := v.Map()
			n.Parent = NodeID(stringField(m, "parent"))
			n.Order = stringField(m, "order")
		}
		st.Nodes[n.ID] = &n
	}
	return &snapshot{nodes: nodes, state: st, tree: Resolve(st)}, nil
}

// stringField reads a string field as decodeNode does: a scalar string or
// a Text object; anything else (missing, mistyped, unreadable) reads "".
func stringField(m *automerge.Map, key string) string {
	v, err := m.Get(key)
	if err != nil {
		return ""
	}
	switch v.Kind() {
	case automerge.KindStr:
		return v.Str()
	case automerge.KindText:
		s, err := v.Text().Get()
		if err != nil {
			return ""
		}
		return s
	}
	return ""
}

// has reports whether id is a node of the layer.
func (s *snapshot) has(id NodeID) bool {
	_, ok := s.tree.Nodes[id]
	return id != "" && ok
}

// children returns the resolved children of parent ("" = the layer root).
func (s *snapshot) children(parent NodeID) []NodeID {
	if parent == "" {
		return s.tree.Roots
	}
	return s.tree.Nodes[parent].Children
}

// isAncestorOrSelf reports whether anc is id or one of id's resolved
// ancestors.
func (s *snapshot) isAncestorOrSelf(anc, id NodeID) bool {
	for cur := id; cur != ""; cur = s.tree.Nodes[cur].ResolvedParent {
		if cur == anc {
			return true
		}
	}
	return false
}

// subtree returns id and its resolved descendants, depth first in sibling
// order (a node before its children).
func (s *snapshot) subtree(id NodeID) []NodeID {
	out := []NodeID{}
	stack := []NodeID{id}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, cur)
		kids := s.tree.Nodes[cur].Children
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
	return out
}

// nodeMap returns the map of node id, failing with ErrNodeNotFound if the
// layer has no such node and ErrMalformedNode if its value is not a map.
func nodeMap(nodes *automerge.Map, id NodeID) (*automerge.Map, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: empty node id", ErrNodeNotFound)
	}
	v, err := nodes.Get(string(id))
	if err != nil {
		return nil, fmt.Errorf("scene: read node %s: %w", id, err)
	}
	switch v.Kind() {
	case automerge.KindVoid:
		return nil, fmt.Errorf("%w: %s", ErrNodeNotFound, id)
	case automerge.KindMap:
		return v.Map(), nil
	}
	return nil, fmt.Errorf("%w: node %s is %s, not a map", ErrMalformedNode, id, v.Kind())
}

// subMap returns the map under key in m, or ErrMalformedNode.
func subMap(m *automerge.Map, id NodeID, key string) (*automerge.Map, error) {
	v, err := m.Get(key)
	if err != nil {
		return nil, fmt.Errorf("scene: read node %s: %w", id, err)
	}
	if v.Kind() != automerge.KindMap {
		return nil, fmt.Errorf("%w: node %s: %s is %s, want map", ErrMalformedNode, id, key, v.Kind())
	}
	return v.Map(), nil
}

// readNode decodes one node fully (as ReadLayer would).
func readNode(nodes *automerge.Map, id NodeID) (Node, error) {
	v, err := nodes.Get(string(id))
	if err != nil {
		return Node{}, fmt.Errorf("scene: read node %s: %w", id, err)
	}
	if v.IsVoid() {
		return Node{}, fmt.Errorf("%w: %s", ErrNodeNotFound, id)
	}
	return decodeNode(id, plainValue(v, 1)), nil
}

// adoptsAncestor reports whether nodes created with the ids in created
// under parent would close a cycle of declared parents: following declared
// parents up from parent ends at a missing node that is one of created (an
// orphan left by an earlier delete or move of that id). Re-creating a node
// adopts the orphans that still name it; if parent hangs under one of them,
// the new node would become its own ancestor. The walk reads one field per
// step and stops at the layer root, a missing node or an existing cycle.
func adoptsAncestor(nodes *automerge.Map, parent NodeID, created func(NodeID) bool) (bool, error) {
	seen := map[NodeID]bool{}
	for cur := parent; cur != "" && !seen[cur]; {
		seen[cur] = true
		v, err := nodes.Get(string(cur))
		if err != nil {
			return false, fmt.Errorf("scene: read node %s: %w", cur, err)
		}
		switch v.Kind() {
		case automerge.KindVoid:
			return created(cur), nil
		case automerge.KindMap:
			cur = NodeID(stringField(v.Map(), "parent"))
		default:
			return false, nil // a non-map node reads with parent ""
		}
	}
	return false, nil
}
