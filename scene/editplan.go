package scene

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// editPlan collects the writes of a Restore or Revert. Each write is
// validated, and the automerge objects it writes into are looked up, when
// it is planned; none is made before commit, so an operation that fails
// while planning has written nothing. Writes follow the writing rules as
// the single-property operations do: scalar strings, transform elements set
// in place, component maps created whole and their fields set one by one,
// nodes created with all their containers (writeNode).
type editPlan struct {
	live    *liveLayer
	writes  []func() error
	overlay map[NodeID]plannedParent // nodes whose declared parent or existence the plan changes

	created, deleted, updated []NodeID
	props                     []PropChange
	isUpdated                 map[NodeID]bool
	paths                     map[string]bool // every path written, "" for whole nodes
}

// plannedParent is a node's declared parent once the plan is applied, or
// gone if the plan deletes the node.
type plannedParent struct {
	parent NodeID
	gone   bool
}

func newEditPlan(live *liveLayer) *editPlan {
	return &editPlan{
		live: live, overlay: map[NodeID]plannedParent{},
		created: []NodeID{}, deleted: []NodeID{}, updated: []NodeID{}, props: []PropChange{},
		isUpdated: map[NodeID]bool{}, paths: map[string]bool{},
	}
}

// planned reports whether the plan already creates, deletes or reparents id.
func (p *editPlan) planned(id NodeID) bool {
	_, ok := p.overlay[id]
	return ok
}

// create plans writing n, which is not in the layer, as a new node with all
// its containers. Its values are written as they are: unlike AddNode, a
// zero Transform is not replaced by the identity.
func (p *editPlan) create(n Node) error {
	tr := n.Transform
	n.Warnings = nil
	n, err := prepareNode(n)
	if err != nil {
		return err
	}
	n.Transform = tr
	p.writes = append(p.writes, func() error { return writeNode(p.live.nodes, n) })
	p.overlay[n.ID] = plannedParent{parent: n.Parent}
	p.created = append(p.created, n.ID)
	p.paths[""] = true
	return nil
}

// remove plans deleting node id (its key in `nodes`).
func (p *editPlan) remove(id NodeID) {
	p.writes = append(p.writes, func() error { return p.live.nodes.Delete(string(id)) })
	p.overlay[id] = plannedParent{gone: true}
	p.deleted = append(p.deleted, id)
	p.paths[""] = true
}

// set plans writing c.After at c.Path on the existing node c.ID, or
// deleting the component or field there when c.Op is DiffRemove. c.Path is
// a leaf or a whole component, as nodeChanges reports.
func (p *editPlan) set(c PropChange) error {
	tok, err := parsePropPath(c.Path)
	if err != nil {
		return err
	}
	nm, err := nodeMap(p.live.nodes, c.ID)
	if err != nil {
		return err
	}
	var w func() error
	switch tok[0] {
	case "transform":
		w, err = p.transformWriter(c, tok)
	case "components":
		w, err = componentWriter(p.live.nodes, nm, c, tok)
	default:
		w, err = scalarWriter(nm, c, tok[0])
	}
	if err != nil {
		return err
	}
	p.writes = append(p.writes, w)
	if tok[0] == "parent" {
		p.overlay[c.ID] = plannedParent{parent: NodeID(c.After.(string))}
	}
	if !p.isUpdated[c.ID] {
		p.isUpdated[c.ID] = true
		p.updated = append(p.updated, c.ID)
	}
	p.props = append(p.props, c)
	p.paths[c.Path] = true
	return nil
}

// scalarWriter writes name, kind, asset, parent or order as a scalar
// string (an empty kind as KindEmpty, as SetProperty does).
func scalarWriter(nm *automerge.Map, c PropChange, key string) (func() error, error) {
	s, ok := c.After.(string)
	if !ok || !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: %s of %s is %T, want a UTF-8 string", ErrInvalidValue, c.Path, c.ID, c.After)
	}
	if key == "kind" && s == "" {
		s = KindEmpty
	}
	return func() error { return nm.Set(key, s) }, nil
}

// transformWriter writes one transform element in place, as a float.
func (p *editPlan) transformWriter(c PropChange, tok []string) (func() error, error) {
	f, ok := c.After.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%w: %s of %s = %v, want a finite number", ErrInvalidValue, c.Path, c.ID, c.After)
	}
	i := int(tok[2][0] - '0')
	list, err := transformList(p.live.nodes, c.ID, tok[1], i)
	if err != nil {
		return nil, err
	}
	return func() error { return list.Set(i, f) }, nil
}

// componentWriter adds or deletes a whole component (as AddComponent and
// RemoveComponent; an added component replaces a value that is not a map,
// which readers drop), or sets or deletes one field of an existing
// component (as SetComponentProperty).
func componentWriter(nodes, nm *automerge.Map, c PropChange, tok []string) (func() error, error) {
	cm, err := subMap(nm, c.ID, "components")
	if err != nil {
		return nil, err
	}
	name := tok[1]
	if len(tok) == 2 {
		if c.Op == DiffRemove {
			return func() error { return cm.Delete(name) }, nil
		}
		fields, _ := c.After.(map[string]any)
		clean, err := writableComponents(map[string]map[string]any{name: fields})
		if err != nil {
			return nil, fmt.Errorf("%w: node %s: %w", ErrInvalidValue, c.ID, err)
		}
		return func() error { return writeComponent(cm, name, clean[name]) }, nil
	}
	_, comp, err := lookupComponent(nodes, c.ID, name)
	if err != nil {
		return nil, err
	}
	if comp == nil {
		return nil, fmt.Errorf("%w: %s on %s", ErrComponentNotFound, name, c.ID)
	}
	key := tok[2]
	if c.Op == DiffRemove {
		return func() error { return comp.Delete(key) }, nil
	}
	v, err := writable(c.After, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %s of %s: %w", ErrInvalidValue, c.Path, c.ID, err)
	}
	return func() error { return comp.Set(key, v) }, nil
}

// writeComponent creates component name with its (writable) fields.
func writeComponent(cm *automerge.Map, name string, fields map[string]any) error {
	m := automerge.NewMap()
	if err := cm.Set(name, m); err != nil {
		return err
	}
	for _, k := range sortedKeys(fields) {
		if err := m.Set(k, fields[k]); err != nil {
			return err
		}
	}
	return nil
}

// parentOf returns node id's declared parent, and whether it exists, once
// the plan is applied.
func (p *editPlan) parentOf(id NodeID) (NodeID, bool, error) {
	if o, ok := p.overlay[id]; ok {
		return o.parent, !o.gone, nil
	}
	return p.live.parent(id)
}

// cycleThrough returns the cycle of declared parents that making parent
// the parent of node id would close, once the plan is applied: id, parent,
// and so on up to the node whose parent is id. It returns nil if following
// parents up from parent ends at the layer root, at a missing node (an
// orphan) or on a cycle that does not pass through id.
func (p *editPlan) cycleThrough(id, parent NodeID) ([]NodeID, error) {
	path := []NodeID{id}
	seen := map[NodeID]bool{}
	for cur := parent; cur != ""; {
		if cur == id {
			return path, nil
		}
		if seen[cur] {
			return nil, nil
		}
		seen[cur] = true
		next, ok, err := p.parentOf(cur)
		if err != nil || !ok {
			return nil, err
		}
		path = append(path, cur)
		cur = next
	}
	return nil, nil
}

// commit makes the planned writes and commits them as one change described
// by m, whose Nodes and Props it fills in: the created, deleted and updated
// nodes, in that order, and every path written ("" for whole nodes), sorted.
// With nothing planned it commits nothing and returns false.
func (p *editPlan) commit(doc *automerge.Doc, m OpMessage, opt OpOptions) (automerge.ChangeHash, bool, error) {
	if len(p.writes) == 0 {
		return automerge.ChangeHash{}, false, nil
	}
	for _, w := range p.writes {
		if err := w(); err != nil {
			return automerge.ChangeHash{}, false, fmt.Errorf("scene: %s: %w", m.Op, err)
		}
	}
	m.Nodes = slices.Concat(p.created, p.deleted, p.updated)
	m.Props = sortedKeys(p.paths)
	h, err := commitOp(doc, m, opt)
	if err != nil {
		return automerge.ChangeHash{}, false, err
	}
	return h, true, nil
}
