package history

import (
	"strconv"

	"atelier/crdt/format"
)

// Paths reported for ops that have no better one.
const (
	unknownObject = "(unknown object)" // an op on an object the tracker never saw created
	valuePath     = "(value)"          // an op on a node value that is not a map
	rootPath      = "(root)"           // an op on the root without a map key
)

// applyOp attributes one op of the current change and updates the object
// index, the list orders, the node names and blame.
func (t *Tracker) applyOp(op *format.Op) {
	s := &t.cur
	id := norm(op.ID, s.local)
	s.preds = s.preds[:0]
	for _, p := range op.Pred {
		s.preds = append(s.preds, norm(p, s.local))
	}
	oi, ok := t.objIdx[norm(format.OpID(op.Obj), s.local)]
	if !ok {
		s.addOther(unknownObject)
		return
	}
	if t.objs[oi].role == roleNodes && op.Key.IsMap {
		t.nodeEntryOp(oi, id, op)
		return
	}
	if n := t.objs[oi].node; n >= 0 {
		s.pending(t, n)
	}
	t.freeOverwritten(s.preds)
	seg, elem := t.target(oi, id, op)
	full := joinPath(t.objPath(oi), seg)
	made := int32(-1)
	if kind, ok := kindOf(op.Action); ok {
		made = t.newObject(oi, id, kind, op.Key, elem)
	}
	if o := &t.objs[oi]; o.role == roleNode && op.Key.IsMap && op.Key.MapKey == "name" {
		t.nameOp(o.node, id, op, s.preds, made)
	}
	t.record(oi, full)
}

// nodeEntryOp handles an op on a key of a `nodes` map: deleting it deletes
// the node; writing anything (normally a new map) creates it anew.
func (t *Tracker) nodeEntryOp(oi int32, id opID, op *format.Op) {
	n := t.nodeIndex(op.Key.MapKey)
	p := t.cur.pending(t, n)
	t.freeOverwritten(t.cur.preds)
	switch op.Action {
	case format.Del:
		p.deleted = true
		return
	case format.Inc, format.Mark:
		t.cur.addProp(n, t.strs.id(valuePath))
		return
	}
	p.created = true
	ns := &t.nodes[n]
	ns.names, ns.blame = ns.names[:0], ns.blame[:0]
	if kind, ok := kindOf(op.Action); ok {
		t.newObject(oi, id, kind, op.Key, opID{})
	}
}

// target applies op to the element order of a list or name text object oi
// and returns the op's path segment below oi (the map key, or the list
// index) and, for a list, the element the op writes.
func (t *Tracker) target(oi int32, id opID, op *format.Op) (string, opID) {
	o := &t.objs[oi]
	switch {
	case o.kind == kindMap && op.Key.IsMap:
		return op.Key.MapKey, opID{}
	case o.kind == kindMap || op.Key.IsMap:
		return "", opID{} // malformed: an element key on a map or a map key on a list
	}
	elem := id
	if !op.Insert {
		elem = norm(op.Key.Elem, t.cur.local)
	}
	idx, ok := t.seqOp(o.seq, id, elem, op)
	if o.kind == kindText {
		return "", elem // a Text is one property, whatever character changed
	}
	if !ok {
		return "", elem // untracked or unknown element: the list as a whole
	}
	return strconv.Itoa(idx), elem
}

// seqOp applies op to sequence s (nil for an untracked text) and returns
// the index of the element it inserts or writes.
func (t *Tracker) seqOp(s *seq, id, elem opID, op *format.Op) (int, bool) {
	if s == nil || s.lost {
		return 0, false
	}
	char := ""
	if s.text {
		char = charOf(op)
	}
	live := op.Action != format.Del && op.Action != format.Inc && op.Action != format.Mark
	if op.Insert {
		var ref opID
		if !op.Key.IsHead() {
			ref = norm(op.Key.Elem, t.cur.local)
		}
		return s.insert(&t.actors, id, ref, live, char)
	}
	pos := s.find(elem)
	if pos < 0 {
		return 0, false
	}
	idx := s.index(pos)
	if op.Action != format.Inc && op.Action != format.Mark {
		s.overwrite(pos, id, t.cur.preds, live, char)
	}
	return idx, true
}

// charOf returns the character an op writes into a text: its string value,
// or U+FFFC (automerge's placeholder) for an embedded object.
func charOf(op *format.Op) string {
	if s, ok := op.Value.V.(string); ok && op.Action == format.Set {
		return s
	}
	return "\uFFFC"
}

// freeOverwritten drops the element order of every list or text that preds
// overwrite: the object is no longer visible, so only its path matters.
func (t *Tracker) freeOverwritten(preds []opID) {
	for _, p := range preds {
		if i, ok := t.objIdx[p]; ok && t.objs[i].seq != nil {
			t.objs[i].seq = nil
		}
	}
}

// record attributes an op on object oi at path full (relative to its node,
// or to the root) to the current change: blame gets the full path, the
// Touch the path of the outermost object this change created around it.
func (t *Tracker) record(oi int32, full string) {
	o := &t.objs[oi]
	folded := full
	if o.born == t.applied {
		top := o.bornTop
		if t.objs[top].role == roleNode {
			folded = "" // inside a node this change created
		} else {
			folded = t.objPath(top)
		}
	}
	if o.node < 0 {
		if folded == "" {
			folded = rootPath
		}
		t.cur.addOther(folded)
		return
	}
	if full == "" {
		full = valuePath
	}
	t.setBlame(o.node, t.strs.id(full))
	if o.born != t.applied || t.objs[o.bornTop].role != roleNode {
		if folded == "" {
			folded = valuePath
		}
		t.cur.addProp(o.node, t.strs.id(folded))
	}
}
