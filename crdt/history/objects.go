package history

import (
	"strconv"

	"atelier/crdt/format"
)

// Limits on property paths. An object nested deeper than maxDepth levels
// below its node (or the root), or whose path would exceed maxPathLen
// bytes, shares its parent's path: paths stay short and memory stays
// proportional to the document however it is nested.
const (
	maxDepth   = 16
	maxPathLen = 256
)

// objKind is the kind of a container object.
type objKind uint8

const (
	kindMap  objKind = iota // a map or table
	kindList                // a list
	kindText                // a text
)

// objRole says where an object sits in a layer document.
type objRole uint8

const (
	roleRoot  objRole = iota // the document root
	roleOther                // an object outside nodes; paths are relative to the root
	roleNodes                // a `nodes` map: its keys are node ids
	roleNode                 // a node's own value (normally its map); path ""
	roleInner                // an object inside a node; paths are relative to the node
)

// segKind is how an object's own path segment is formed.
type segKind uint8

const (
	segKey  segKind = iota // its map key in the parent
	segElem                // the list index of its element in the parent
	segNone                // none: it shares its parent's path
)

// object is one container of the document: where it was created, and
// enough to turn its ops into paths.
type object struct {
	seq     *seq   // element order: lists and name texts only
	elem    opID   // the element holding it, when its parent is a list
	parent  int32  // index in Tracker.objs; -1 for the root
	node    int32  // index in Tracker.nodes; -1 outside nodes
	born    int32  // index of the change that created it; -1 for the root
	bornTop int32  // outermost ancestor-or-self (in scope) created in the same change
	path    uint32 // interned path; noStr when it runs through a list element
	key     uint32 // interned map key in the parent
	depth   uint8
	kind    objKind
	role    objRole
	seg     segKind
}

// rootObject is the document root, always at index 0.
func rootObject(emptyPath uint32) object {
	return object{parent: -1, node: -1, born: -1, bornTop: -1, path: emptyPath, role: roleRoot}
}

// kindOf returns the kind of object a make action creates.
func kindOf(a format.Action) (objKind, bool) {
	switch a {
	case format.MakeMap, format.MakeTable:
		return kindMap, true
	case format.MakeList:
		return kindList, true
	case format.MakeText:
		return kindText, true
	}
	return 0, false
}

// joinPath joins two path parts with a dot, skipping empty parts.
func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "." + b
}

// newObject records the object created by an op with id id in the object
// at index parent, under key (a map key) or in element elem (a list), and
// returns its index, or -1 if the id is already known.
func (t *Tracker) newObject(parent int32, id opID, kind objKind, key format.Key, elem opID) int32 {
	if _, dup := t.objIdx[id]; dup {
		return -1
	}
	p := &t.objs[parent]
	o := object{
		parent: parent, node: p.node, born: t.applied, kind: kind,
		key: noStr, depth: p.depth + 1, role: childRole(p.role),
	}
	if key.IsMap {
		o.key = t.strs.id(key.MapKey)
	}
	switch {
	case p.role == roleRoot && key.IsMap && key.MapKey == "nodes" && kind == kindMap:
		o.role = roleNodes
	case p.role == roleNodes && key.IsMap:
		o.role, o.node, o.depth = roleNode, t.nodeIndex(key.MapKey), 0
	case p.role == roleNodes:
		o.role = roleOther
	}
	t.placeObject(&o, p, key.IsMap, elem)
	i := int32(len(t.objs))
	o.bornTop = i
	if p.born == t.applied && o.role != roleNode && (p.role == roleNode || p.role == roleInner || p.role == roleOther) {
		o.bornTop = p.bornTop
	}
	if kind == kindList || (kind == kindText && p.role == roleNode && key.IsMap && key.MapKey == "name") {
		o.seq = &seq{text: kind == kindText}
	}
	t.objs = append(t.objs, o)
	t.objIdx[id] = i
	return i
}

// childRole is the default role of an object created inside one of role r.
func childRole(r objRole) objRole {
	if r == roleNode || r == roleInner {
		return roleInner
	}
	return roleOther
}

// placeObject sets o's path segment and, when the path does not run
// through a list element, its interned path.
func (t *Tracker) placeObject(o, p *object, isMap bool, elem opID) {
	o.seg, o.path = segNone, p.path
	switch {
	case o.role == roleNode:
		o.path = t.emptyPath
	case o.depth > maxDepth:
	case p.kind == kindList && !isMap:
		o.seg, o.elem, o.path = segElem, elem, noStr
	case p.kind == kindMap && isMap && p.path == noStr:
		o.seg, o.path = segKey, noStr
	case p.kind == kindMap && isMap:
		if s := joinPath(t.strs.str(p.path), t.strs.str(o.key)); len(s) <= maxPathLen {
			o.seg, o.path = segKey, t.strs.id(s)
		}
	}
}

// objPath returns the path of object i: relative to its node for objects
// inside a node, relative to the root otherwise.
func (t *Tracker) objPath(i int32) string {
	o := &t.objs[i]
	if o.path != noStr {
		return t.strs.str(o.path)
	}
	base, seg := t.objPath(o.parent), ""
	switch o.seg {
	case segKey:
		seg = t.strs.str(o.key)
	case segElem:
		seg = t.elemSeg(o.parent, o.elem)
	}
	if len(base)+len(seg) >= maxPathLen {
		return base
	}
	return joinPath(base, seg)
}

// elemSeg returns the list index of element id of list object i as a path
// segment, or "?" when it cannot be resolved.
func (t *Tracker) elemSeg(i int32, id opID) string {
	s := t.objs[i].seq
	if s == nil || s.lost {
		return "?"
	}
	pos := s.find(id)
	if pos < 0 {
		return "?"
	}
	return strconv.Itoa(s.index(pos))
}
