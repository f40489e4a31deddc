package history

import (
	"cmp"
	"slices"
)

// Touch is what one change touched.
type Touch struct {
	// Nodes are the nodes the change touched, sorted by node id.
	Nodes []NodeTouch `json:"nodes"`
	// Other lists, sorted, the paths the change wrote outside nodes (such as
	// "schema" or "nodes" itself), relative to the root.
	Other []string `json:"other,omitempty"`
}

// NodeTouch is what one change did to one node.
type NodeTouch struct {
	// ID is the node's id: its key in the layer's nodes map.
	ID string `json:"id"`
	// Created is set when the change wrote the node's value (normally a new
	// map, with everything in it).
	Created bool `json:"created,omitempty"`
	// Deleted is set when the change deleted the node's key from nodes.
	Deleted bool `json:"deleted,omitempty"`
	// Props are the property paths the change wrote, sorted: "name",
	// "parent", "order", "kind", "asset", "transform.t.0" (a list index),
	// "components.light.intensity", "components.light" (a component added,
	// replaced or removed). Writes inside an object the change created are
	// reported as that object, so a node the change created has none.
	Props []string `json:"props"`
	// Name is the node's name after the change (best effort; for a deleted
	// node, its last name).
	Name string `json:"name,omitempty"`
	// OldName is the node's name before the change, set when the change
	// renamed it.
	OldName string `json:"oldName,omitempty"`
}

// pending collects what the current change does to one node.
type pending struct {
	node             int32
	created, deleted bool
	oldName          string
	props            []uint32
}

// propKey identifies one (node, path) pair of the current change.
type propKey struct {
	node int32
	path uint32
}

// scratch is the per-change working state, reused across changes.
type scratch struct {
	local   []uint32 // the change's actor table → tracker actor indexes
	preds   []opID   // the current op's predecessors
	touched []pending
	byNode  map[int32]int
	seen    map[propKey]struct{}
	other   map[string]struct{}
}

// maxReusedMap is the size above which reset reallocates a map instead of
// clearing it, so one huge change does not slow down every later one.
const maxReusedMap = 1024

func (s *scratch) init() {
	s.byNode = map[int32]int{}
	s.seen = map[propKey]struct{}{}
	s.other = map[string]struct{}{}
}

// reset prepares s for the next change.
func (s *scratch) reset() {
	if len(s.byNode) > maxReusedMap || len(s.seen) > maxReusedMap || len(s.other) > maxReusedMap {
		s.init()
	}
	clear(s.byNode)
	clear(s.seen)
	clear(s.other)
	s.local, s.touched = s.local[:0], s.touched[:0]
}

// pending returns the entry of node n, creating it (and noting the node's
// name before the change) on the node's first touch.
func (s *scratch) pending(t *Tracker, n int32) *pending {
	if i, ok := s.byNode[n]; ok {
		return &s.touched[i]
	}
	s.byNode[n] = len(s.touched)
	if len(s.touched) < cap(s.touched) {
		s.touched = s.touched[:len(s.touched)+1]
		p := &s.touched[len(s.touched)-1]
		*p = pending{node: n, oldName: t.name(n), props: p.props[:0]}
		return p
	}
	s.touched = append(s.touched, pending{node: n, oldName: t.name(n)})
	return &s.touched[len(s.touched)-1]
}

// addProp notes that the change wrote path p of node n.
func (s *scratch) addProp(n int32, p uint32) {
	k := propKey{n, p}
	if _, dup := s.seen[k]; dup {
		return
	}
	s.seen[k] = struct{}{}
	e := &s.touched[s.byNode[n]]
	e.props = append(e.props, p)
}

// addOther notes a write outside nodes.
func (s *scratch) addOther(p string) {
	s.other[p] = struct{}{}
}

// touch turns the current change's entries into its Touch.
func (t *Tracker) touch() Touch {
	s := &t.cur
	out := Touch{Nodes: make([]NodeTouch, 0, len(s.touched))}
	for i := range s.touched {
		out.Nodes = append(out.Nodes, t.nodeTouch(&s.touched[i]))
	}
	slices.SortFunc(out.Nodes, func(a, b NodeTouch) int { return cmp.Compare(a.ID, b.ID) })
	if len(s.other) > 0 {
		out.Other = make([]string, 0, len(s.other))
		for p := range s.other {
			out.Other = append(out.Other, p)
		}
		slices.Sort(out.Other)
	}
	return out
}

// nodeTouch builds the NodeTouch of one pending entry.
func (t *Tracker) nodeTouch(p *pending) NodeTouch {
	nt := NodeTouch{
		ID: t.nodes[p.node].id, Created: p.created, Deleted: p.deleted,
		Props: make([]string, 0, len(p.props)), Name: t.name(p.node),
	}
	renamed := false
	for _, id := range p.props {
		s := t.strs.str(id)
		nt.Props = append(nt.Props, s)
		renamed = renamed || s == "name"
	}
	slices.Sort(nt.Props)
	if renamed && !p.created && p.oldName != "" && p.oldName != nt.Name {
		nt.OldName = p.oldName
	}
	return nt
}
