package history

import "atelier/crdt/format"

// nodeState is what the tracker keeps per node id: the candidates for its
// name and, for blame, the change that last set each property path.
type nodeState struct {
	id    string
	names []nameCand
	blame []blameEntry // sorted by path
}

// nameCand is one live value of a node's `name` key: a scalar string, or a
// Text object (text ≥ 0) whose characters are tracked. Concurrent writes
// leave several; automerge shows the one with the greatest op id.
type nameCand struct {
	op   opID
	text int32 // object index of a Text value, -1 for a scalar
	str  string
}

// blameEntry records that change last set the property with interned path
// path.
type blameEntry struct {
	path   uint32
	change int32
}

// nodeIndex returns the index of the node with the given id, adding it if
// needed.
func (t *Tracker) nodeIndex(id string) int32 {
	if i, ok := t.nodeIdx[id]; ok {
		return i
	}
	i := int32(len(t.nodes))
	n := nodeState{id: id}
	t.nodeIdx[n.id] = i
	t.nodes = append(t.nodes, n)
	return i
}

// nameOp applies an op on key "name" of node n's map: its preds stop being
// candidates, and a value it writes becomes one. obj is the object a make
// op created (-1 otherwise).
func (t *Tracker) nameOp(n int32, id opID, op *format.Op, preds []opID, obj int32) {
	ns := &t.nodes[n]
	if op.Action == format.Inc || op.Action == format.Mark {
		return
	}
	ns.names = removeCands(ns.names, preds)
	switch op.Action {
	case format.Del:
	case format.Set:
		s, _ := op.Value.V.(string)
		ns.names = append(ns.names, nameCand{op: id, text: -1, str: s})
	case format.MakeText:
		ns.names = append(ns.names, nameCand{op: id, text: obj})
	default: // a map or list as a name reads as ""
		ns.names = append(ns.names, nameCand{op: id, text: -1})
	}
}

// removeCands removes the candidates written by any of preds.
func removeCands(c []nameCand, preds []opID) []nameCand {
	out := c[:0]
	for _, x := range c {
		keep := true
		for _, p := range preds {
			if x.op == p {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, x)
		}
	}
	clear(c[len(out):])
	return out
}

// name returns node n's current name: the candidate with the greatest op
// id, as automerge resolves a conflict. A Text name is rebuilt from its
// characters; one too long to track reads as "".
func (t *Tracker) name(n int32) string {
	var best *nameCand
	for i := range t.nodes[n].names {
		c := &t.nodes[n].names[i]
		if best == nil || t.actors.greater(c.op, best.op) {
			best = c
		}
	}
	switch {
	case best == nil:
		return ""
	case best.text < 0:
		return best.str
	}
	if s := t.objs[best.text].seq; s != nil {
		return s.String()
	}
	return ""
}

// searchBlame returns the position of path p in the sorted entries b, or
// where it would be inserted, and whether it is there.
func searchBlame(b []blameEntry, p uint32) (int, bool) {
	lo, hi := 0, len(b)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b[m].path < p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(b) && b[lo].path == p
}

// setBlame records that the current change set path p of node n.
func (t *Tracker) setBlame(n int32, p uint32) {
	b := t.nodes[n].blame
	i, ok := searchBlame(b, p)
	if ok {
		b[i].change = t.applied
		return
	}
	b = append(b, blameEntry{})
	copy(b[i+1:], b[i:])
	b[i] = blameEntry{path: p, change: t.applied}
	t.nodes[n].blame = b
}
