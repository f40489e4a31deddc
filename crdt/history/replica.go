package history

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"atelier/crdt/format"
)

// Replica is a read-only copy of an automerge document built in Go from its
// changes, for reading old versions without automerge-go: the history API
// materializes a layer as it was at a version by replaying its log into a
// Replica, which costs a few microseconds per change and no cgo call.
//
// It follows automerge's data model: every key of a map and every element
// of a list or text holds the set of its live ops (those no later op lists
// as a predecessor); the visible value is the live op with the greatest op
// id (counter, then actor bytes); a counter's value is its initial value
// plus every increment that names it; list elements are ordered by the RGA
// rule of seq.insert. Marks are kept as invisible elements and otherwise
// ignored (they do not change plain values).
//
// Changes must be applied in an order that respects dependencies, as with
// Tracker. Ops on objects the replica never saw created are skipped (they
// cannot occur in a well-formed log). A Replica is not safe for concurrent
// use.
type Replica struct {
	actors actorTable
	objs   map[opID]*replicaObj
	local  []uint32
	preds  []opID
	n      int
}

// replicaObj is one container object.
type replicaObj struct {
	kind  objKind
	keys  map[string][]liveOp // a map's live ops by key
	elems []replicaElem       // a list's or text's elements, in order, tombstones included
	hint  int                 // position of the last element found
}

// replicaElem is one element of a list or text: the op that inserted it and
// its live value ops (none: deleted, or a mark).
type replicaElem struct {
	id   opID
	vals []liveOp
}

// liveOp is an op whose value is visible unless a greater concurrent op
// wins: a scalar, or (obj) the object it created.
type liveOp struct {
	id  opID
	val format.Value
	inc int64 // sum of the increments applied to a counter
	obj bool
}

// NewReplica returns an empty document: a root map with no keys.
func NewReplica() *Replica {
	return &Replica{
		actors: actorTable{ids: map[string]uint32{}},
		objs:   map[opID]*replicaObj{{}: {kind: kindMap, keys: map[string][]liveOp{}}},
	}
}

// Len returns the number of changes applied.
func (r *Replica) Len() int { return r.n }

// Apply applies the next change. A change that does not decode fails with
// ErrBadChange and leaves the replica as it was; one whose actor is out of
// seq order fails with ErrOutOfOrder.
func (r *Replica) Apply(c *format.Change) error {
	if c == nil {
		return fmt.Errorf("%w: nil change", ErrBadChange)
	}
	if last := r.actors.seq(c.Actor); c.Seq != last+1 {
		return fmt.Errorf("%w: actor %x seq %d after seq %d", ErrOutOfOrder, c.Actor, c.Seq, last)
	}
	ops, err := c.Ops()
	if err != nil {
		return fmt.Errorf("%w: change %s: %w", ErrBadChange, c.Hash, err)
	}
	r.local = r.local[:0]
	for i := 0; i <= len(c.OtherActors); i++ {
		r.local = append(r.local, r.actors.intern(c.ActorAt(i)))
	}
	for i := range ops {
		r.applyOp(&ops[i])
	}
	r.actors.lastSeq[r.local[0]] = c.Seq
	r.n++
	return nil
}

func (r *Replica) applyOp(op *format.Op) {
	o, ok := r.objs[norm(format.OpID(op.Obj), r.local)]
	if !ok {
		return
	}
	id := norm(op.ID, r.local)
	r.preds = r.preds[:0]
	for _, p := range op.Pred {
		r.preds = append(r.preds, norm(p, r.local))
	}
	switch {
	case o.kind == kindMap && op.Key.IsMap:
		vals := r.update(o.keys[op.Key.MapKey], id, op)
		if len(vals) == 0 {
			delete(o.keys, op.Key.MapKey)
		} else {
			o.keys[op.Key.MapKey] = vals
		}
	case o.kind != kindMap && !op.Key.IsMap:
		if e := r.element(o, id, op); e != nil {
			e.vals = r.update(e.vals, id, op)
		}
	}
	// otherwise a map key on a list or an element on a map: malformed, skipped
}

// update applies op (with id id, its preds in r.preds) to the live ops of
// one map key or list element and returns them.
func (r *Replica) update(live []liveOp, id opID, op *format.Op) []liveOp {
	switch op.Action {
	case format.Inc:
		r.increment(live, op.Value)
		return live
	case format.Mark:
		return live
	}
	live = slices.DeleteFunc(live, func(l liveOp) bool { return slices.Contains(r.preds, l.id) })
	if op.Action == format.Del {
		return live
	}
	l := liveOp{id: id, val: op.Value}
	if kind, ok := kindOf(op.Action); ok {
		l.obj = true
		if _, dup := r.objs[id]; !dup {
			no := &replicaObj{kind: kind}
			if kind == kindMap {
				no.keys = map[string][]liveOp{}
			}
			r.objs[id] = no
		}
	}
	return append(live, l)
}

// element returns the element an op on list or text o writes, inserting it
// first for an insert op; nil when its reference element is unknown.
func (r *Replica) element(o *replicaObj, id opID, op *format.Op) *replicaElem {
	if !op.Insert {
		pos := o.find(norm(op.Key.Elem, r.local))
		if pos < 0 {
			return nil
		}
		return &o.elems[pos]
	}
	pos := 0
	if !op.Key.IsHead() {
		if pos = o.find(norm(op.Key.Elem, r.local)); pos < 0 {
			return nil
		}
		pos++
	}
	for pos < len(o.elems) && r.actors.greater(o.elems[pos].id, id) {
		pos++
	}
	o.elems = slices.Insert(o.elems, pos, replicaElem{id: id})
	o.hint = pos
	return &o.elems[pos]
}

// find returns the position of the element with the given id, or -1.
func (o *replicaObj) find(id opID) int {
	for _, p := range [...]int{o.hint, o.hint + 1} {
		if p >= 0 && p < len(o.elems) && o.elems[p].id == id {
			o.hint = p
			return p
		}
	}
	for p := range o.elems {
		if o.elems[p].id == id {
			o.hint = p
			return p
		}
	}
	return -1
}

// increment adds an inc op's delta to the live counters it names.
func (r *Replica) increment(live []liveOp, delta format.Value) {
	var d int64
	switch v := delta.V.(type) {
	case int64:
		d = v
	case uint64:
		d = int64(v)
	default:
		return
	}
	for i := range live {
		if live[i].val.Type == format.TypeCounter && slices.Contains(r.preds, live[i].id) {
			live[i].inc += d
		}
	}
}

// winner returns the live op with the greatest id, or false if none is.
func (r *Replica) winner(live []liveOp) (liveOp, bool) {
	if len(live) == 0 {
		return liveOp{}, false
	}
	best := live[0]
	for _, l := range live[1:] {
		if r.actors.greater(l.id, best.id) {
			best = l
		}
	}
	return best, true
}

// Root returns the plain value of the root's keys (all of them when keys is
// empty): maps become map[string]any, lists []any, texts a string, a
// counter its int64 value, a timestamp a time.Time, and other scalars their
// Go value (string, int64, uint64, float64, bool, []byte, nil; nil for an
// unknown type). A container nested maxDepth levels below a root key (the
// root key's own value is depth 0) is replaced by deep, as scene's reader of
// automerge documents does.
func (r *Replica) Root(keys []string, maxDepth int, deep any) map[string]any {
	root := r.objs[opID{}]
	out := map[string]any{}
	if len(keys) == 0 {
		for k := range root.keys {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if w, ok := r.winner(root.keys[k]); ok {
			out[k] = r.plain(w, 0, maxDepth, deep)
		}
	}
	return out
}

// plain returns the plain value of live op l at depth.
func (r *Replica) plain(l liveOp, depth, maxDepth int, deep any) any {
	if !l.obj {
		return scalar(l)
	}
	o := r.objs[l.id]
	if o.kind != kindText && depth >= maxDepth {
		return deep
	}
	switch o.kind {
	case kindMap:
		m := make(map[string]any, len(o.keys))
		for k, live := range o.keys {
			if w, ok := r.winner(live); ok {
				m[k] = r.plain(w, depth+1, maxDepth, deep)
			}
		}
		return m
	case kindList:
		list := make([]any, 0, len(o.elems))
		for _, e := range o.elems {
			if w, ok := r.winner(e.vals); ok {
				list = append(list, r.plain(w, depth+1, maxDepth, deep))
			}
		}
		return list
	}
	var b strings.Builder
	for _, e := range o.elems {
		if w, ok := r.winner(e.vals); ok {
			if s, isStr := w.val.V.(string); isStr && !w.obj {
				b.WriteString(s)
			} else {
				b.WriteString("\uFFFC")
			}
		}
	}
	return b.String()
}

// scalar returns the plain Go value of a scalar op.
func scalar(l liveOp) any {
	switch l.val.Type {
	case format.TypeCounter:
		c, _ := l.val.V.(format.Counter)
		return int64(c) + l.inc
	case format.TypeTimestamp:
		t, _ := l.val.V.(format.Timestamp)
		return time.UnixMilli(int64(t))
	case format.TypeNull, format.TypeFalse, format.TypeTrue, format.TypeUint, format.TypeInt,
		format.TypeFloat, format.TypeString, format.TypeBytes:
		return l.val.V
	}
	return nil
}
