package scene

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// Property names a node property that SetProperty sets. `parent` and
// `order` are not among them: they change through Reparent and Reorder,
// which keep the tree valid and the siblings ordered.
type Property string

// Properties SetProperty sets.
const (
	// PropName is the node's display name.
	PropName Property = "name"
	// PropKind is the node's kind (KindEmpty, KindMesh, …, or any other).
	PropKind Property = "kind"
	// PropAsset is the node's asset URI.
	PropAsset Property = "asset"
)

// transformLen gives the length of each transform vector.
var transformLen = map[string]int{"t": 3, "r": 4, "s": 3}

// SetProperty sets one string property of node id (PropName, PropKind or
// PropAsset) as a scalar string, replacing whatever value was there (a JS
// Text object included), in one change (OpSetProperty, props ["/<prop>"]).
// An empty kind is written as KindEmpty. Concurrent sets of the same
// property keep one value (automerge's last-writer-wins by op id).
// Errors: ErrInvalidProperty, ErrInvalidValue (invalid UTF-8),
// ErrNodeNotFound, ErrMalformedNode, ErrNotLayer.
func SetProperty(doc *automerge.Doc, id NodeID, prop Property, value string, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	switch prop {
	case PropName, PropAsset:
	case PropKind:
		if value == "" {
			value = KindEmpty
		}
	default:
		return none, fmt.Errorf("%w: %q (set name, kind or asset; parent and order change with Reparent and Reorder)", ErrInvalidProperty, prop)
	}
	if !utf8.ValidString(value) {
		return none, fmt.Errorf("%w: %s is invalid UTF-8", ErrInvalidValue, prop)
	}
	nodes, err := begin(doc, opt)
	if err != nil {
		return none, err
	}
	nm, err := nodeMap(nodes, id)
	if err != nil {
		return none, err
	}
	if err := nm.Set(string(prop), value); err != nil {
		return none, fmt.Errorf("scene: set %s of %s: %w", prop, id, err)
	}
	return commitOp(doc, OpMessage{Op: OpSetProperty, Nodes: []NodeID{id}, Props: []string{pointer(string(prop))}}, opt)
}

// SetTransformElement sets one element of one transform vector of node id
// ("t" translation [x y z], "r" rotation quaternion [x y z w], "s" scale
// [x y z]) to value, written as a float in place in the existing list, in
// one change (OpSetTransform, props ["/transform/<vector>/<index>"]).
// Because only that element is written, concurrent edits of other elements
// (x on one replica, y on another) all survive.
//
// Errors: ErrInvalidProperty (vector or index), ErrInvalidValue
// (non-finite value), ErrNodeNotFound, ErrMalformedNode (the node has no
// transform map, or the list is missing or too short: it was not created
// with its node, and creating it now would lose concurrent edits),
// ErrNotLayer.
func SetTransformElement(doc *automerge.Doc, id NodeID, vector string, index int, value float64, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	n, ok := transformLen[vector]
	if !ok || index < 0 || index >= n {
		return none, fmt.Errorf("%w: transform %q[%d]", ErrInvalidProperty, vector, index)
	}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return none, fmt.Errorf("%w: transform.%s[%d] = %v is not finite", ErrInvalidValue, vector, index, value)
	}
	nodes, err := begin(doc, opt)
	if err != nil {
		return none, err
	}
	list, err := transformList(nodes, id, vector, index)
	if err != nil {
		return none, err
	}
	if err := list.Set(index, value); err != nil {
		return none, fmt.Errorf("scene: set transform.%s[%d] of %s: %w", vector, index, id, err)
	}
	props := []string{pointer("transform", vector, fmt.Sprint(index))}
	return commitOp(doc, OpMessage{Op: OpSetTransform, Nodes: []NodeID{id}, Props: props}, opt)
}

// transformList returns node id's transform list for vector, which must
// have an element at index.
func transformList(nodes *automerge.Map, id NodeID, vector string, index int) (*automerge.List, error) {
	nm, err := nodeMap(nodes, id)
	if err != nil {
		return nil, err
	}
	tm, err := subMap(nm, id, "transform")
	if err != nil {
		return nil, err
	}
	v, err := tm.Get(vector)
	if err != nil {
		return nil, fmt.Errorf("scene: read transform.%s of %s: %w", vector, id, err)
	}
	if v.Kind() != automerge.KindList || v.List().Len() <= index {
		return nil, fmt.Errorf("%w: node %s: transform.%s is %s without element %d", ErrMalformedNode, id, vector, v.Kind(), index)
	}
	return v.List(), nil
}

// AddComponent creates component `component` on node id with the given
// fields, in one change (OpAddComponent, props ["/components/<name>"]).
// Field values are validated as for AddNode.
//
// Adding a component creates its map, so two peers that concurrently add
// the same component to the same node create two maps, and automerge keeps
// only one: the other peer's fields are lost. That is inherent to a map
// created under one key; once the component exists, SetComponentProperty
// edits merge field by field. Errors: ErrInvalidProperty (empty or invalid
// component name or field key), ErrInvalidValue, ErrComponentExists,
// ErrNodeNotFound, ErrMalformedNode, ErrNotLayer.
func AddComponent(doc *automerge.Doc, id NodeID, component string, fields map[string]any, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	if err := checkName("component", component); err != nil {
		return none, err
	}
	for k := range fields {
		if err := checkName("field", k); err != nil {
			return none, err
		}
	}
	clean, err := writableComponents(map[string]map[string]any{component: fields})
	if err != nil {
		return none, fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	nodes, err := begin(doc, opt)
	if err != nil {
		return none, err
	}
	cm, comp, err := lookupComponent(nodes, id, component)
	if err != nil {
		return none, err
	}
	if comp != nil {
		return none, fmt.Errorf("%w: %s on %s", ErrComponentExists, component, id)
	}
	c := automerge.NewMap()
	if err := cm.Set(component, c); err != nil {
		return none, fmt.Errorf("scene: add component %s to %s: %w", component, id, err)
	}
	for _, k := range sortedKeys(clean[component]) {
		if err := c.Set(k, clean[component][k]); err != nil {
			return none, fmt.Errorf("scene: add component %s to %s: %w", component, id, err)
		}
	}
	props := []string{pointer("components", component)}
	return commitOp(doc, OpMessage{Op: OpAddComponent, Nodes: []NodeID{id}, Props: props}, opt)
}

// RemoveComponent deletes component `component` from node id, in one
// change (OpRemoveComponent, props ["/components/<name>"]). A concurrent
// edit of one of its fields does not bring it back. Errors:
// ErrComponentNotFound, ErrNodeNotFound, ErrMalformedNode, ErrNotLayer.
func RemoveComponent(doc *automerge.Doc, id NodeID, component string, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	nodes, err := begin(doc, opt)
	if err != nil {
		return none, err
	}
	cm, comp, err := lookupComponent(nodes, id, component)
	if err != nil {
		return none, err
	}
	if comp == nil {
		return none, fmt.Errorf("%w: %s on %s", ErrComponentNotFound, component, id)
	}
	if err := cm.Delete(component); err != nil {
		return none, fmt.Errorf("scene: remove component %s from %s: %w", component, id, err)
	}
	props := []string{pointer("components", component)}
	return commitOp(doc, OpMessage{Op: OpRemoveComponent, Nodes: []NodeID{id}, Props: props}, opt)
}

// SetComponentProperty sets field key of component `component` of node id
// to value (validated and converted as for AddNode: Go integers become
// automerge ints), in one change (OpSetComponentProperty, props
// ["/components/<name>/<key>"]). Concurrent sets of different fields all
// survive; of the same field, one wins. Errors: ErrInvalidProperty (empty
// or invalid key), ErrInvalidValue, ErrComponentNotFound, ErrNodeNotFound,
// ErrMalformedNode (the component is not a map), ErrNotLayer.
func SetComponentProperty(doc *automerge.Doc, id NodeID, component, key string, value any, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	if err := checkName("field", key); err != nil {
		return none, err
	}
	w, err := writable(value, 0)
	if err != nil {
		return none, fmt.Errorf("%w: components.%s.%s: %w", ErrInvalidValue, component, key, err)
	}
	nodes, err := begin(doc, opt)
	if err != nil {
		return none, err
	}
	_, comp, err := lookupComponent(nodes, id, component)
	if err != nil {
		return none, err
	}
	if comp == nil {
		return none, fmt.Errorf("%w: %s on %s", ErrComponentNotFound, component, id)
	}
	if err := comp.Set(key, w); err != nil {
		return none, fmt.Errorf("scene: set components.%s.%s of %s: %w", component, key, id, err)
	}
	props := []string{pointer("components", component, key)}
	return commitOp(doc, OpMessage{Op: OpSetComponentProperty, Nodes: []NodeID{id}, Props: props}, opt)
}

// lookupComponent returns node id's components map and its component map
// named name (nil if absent); a component that is not a map is
// ErrMalformedNode.
func lookupComponent(nodes *automerge.Map, id NodeID, name string) (*automerge.Map, *automerge.Map, error) {
	nm, err := nodeMap(nodes, id)
	if err != nil {
		return nil, nil, err
	}
	cm, err := subMap(nm, id, "components")
	if err != nil {
		return nil, nil, err
	}
	v, err := cm.Get(name)
	if err != nil {
		return nil, nil, fmt.Errorf("scene: read component %s of %s: %w", name, id, err)
	}
	switch v.Kind() {
	case automerge.KindVoid:
		return cm, nil, nil
	case automerge.KindMap:
		return cm, v.Map(), nil
	}
	return nil, nil, fmt.Errorf("%w: node %s: component %s is %s, want map", ErrMalformedNode, id, name, v.Kind())
}

// checkName validates a component name or field key.
func checkName(what, s string) error {
	if s == "" || !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s name %q is empty or invalid UTF-8", ErrInvalidProperty, what, s)
	}
	return nil
}
