package scene

import (
	"fmt"

	"github.com/automerge/automerge-go"
)

// liveLayer is the current state of a layer document as Restore and Revert
// read it: node by node and on demand, so that restoring or reverting a
// few nodes of a large layer reads only those nodes (about 40 µs each), and
// the layer's structure (every parent and order, about 110 ms at 10k
// nodes) only when the operation must find a node's current descendants.
// Reading the whole layer (ReadLayer, about 400 ms at 10k nodes) is left to
// whole-layer restores.
type liveLayer struct {
	doc     *automerge.Doc
	nodes   *automerge.Map
	read    map[NodeID]*Node  // fully decoded nodes; a nil value is an absent node
	all     bool              // read holds every node of the layer
	parents map[NodeID]NodeID // declared parents read on their own
	snap    *snapshot         // structure, read on first need
}

func newLiveLayer(doc *automerge.Doc, nodes *automerge.Map) *liveLayer {
	return &liveLayer{doc: doc, nodes: nodes, read: map[NodeID]*Node{}, parents: map[NodeID]NodeID{}}
}

// readAll decodes every node of the layer, as ReadLayer does.
func (l *liveLayer) readAll() error {
	st, err := ReadLayer(l.doc)
	if err != nil {
		return err
	}
	l.read, l.all = st.Nodes, true
	return nil
}

// node returns node id as ReadLayer would decode it, or nil if the layer
// has no such node.
func (l *liveLayer) node(id NodeID) (*Node, error) {
	if n, ok := l.read[id]; ok || l.all || id == "" {
		return n, nil
	}
	v, err := l.nodes.Get(string(id))
	if err != nil {
		return nil, fmt.Errorf("scene: read node %s: %w", id, err)
	}
	var n *Node
	if !v.IsVoid() {
		dn := decodeNode(id, plainValue(v, 1))
		n = &dn
	}
	l.read[id] = n
	return n, nil
}

// has reports whether id is a node of the layer.
func (l *liveLayer) has(id NodeID) (bool, error) {
	_, ok, err := l.parent(id)
	return ok, err
}

// parent returns node id's declared parent and whether the node exists,
// reading only its `parent` field (as readSnapshot does) when the node has
// not been decoded.
func (l *liveLayer) parent(id NodeID) (NodeID, bool, error) {
	if n, ok := l.read[id]; ok || l.all || id == "" {
		if n == nil {
			return "", false, nil
		}
		return n.Parent, true, nil
	}
	if p, ok := l.parents[id]; ok {
		return p, true, nil
	}
	v, err := l.nodes.Get(string(id))
	if err != nil {
		return "", false, fmt.Errorf("scene: read node %s: %w", id, err)
	}
	switch v.Kind() {
	case automerge.KindVoid:
		l.read[id] = nil
		return "", false, nil
	case automerge.KindMap:
		l.parents[id] = NodeID(stringField(v.Map(), "parent"))
	default:
		l.parents[id] = "" // a node that is not a map reads with parent ""
	}
	return l.parents[id], true, nil
}

// structure returns the layer's structure and resolved tree, built from
// the decoded nodes when every node has been read.
func (l *liveLayer) structure() (*snapshot, error) {
	if l.snap != nil {
		return l.snap, nil
	}
	if l.all {
		st := &LayerState{Schema: LayerSchema, Nodes: l.read}
		l.snap = &snapshot{nodes: l.nodes, state: st, tree: Resolve(st)}
		return l.snap, nil
	}
	snap, err := readSnapshot(l.doc)
	if err != nil {
		return nil, err
	}
	l.snap = snap
	return snap, nil
}
