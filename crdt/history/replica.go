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
// of a list or text holds its value ops; an op is live unless a later op
// lists it as a predecessor; the visible value is the live op with the
// greatest op id (counter, then actor bytes); a counter's value is its
// initial value plus every increment that names it; list elements are
// ordered by the RGA rule of seq.insert. Marks are kept as invisible
// elements and otherwise ignored (they do not change plain values).
//
// Overwritten ops are kept with the changes that overwrote them, so the
// replica can also be read as of any earlier set of its changes (At,
// Prefix) without replaying: an op is live in a version when the change
// that made it is in the version and none of the changes that overwrote it
// is. This costs the memory of every op ever written to a map key or list
// element (not of the changes' other bytes).
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
	n      int32                       // changes applied; the index of the next one
	index  map[format.ChangeHash]int32 // change hash → index
	deps   [][]int32                   // deps[i]: indexes of change i's dependencies
}

// replicaObj is one container object.
type replicaObj struct {
	kind  objKind
	keys  map[string][]liveOp // a map's live ops by key
	elems []replicaElem       // a list's or text's elements, in order, tombstones included
	hint  int                 // position of the last element found
}

// replicaElem is one element of a list or text: the op that inserted it and
// its value ops (none live: deleted, or a mark).
type replicaElem struct {
	id   opID
	vals []liveOp
}

// liveOp is a value op of a map key or list element: a scalar, or (obj)
// the object it created; live in a version unless a change of the version
// overwrote it (killed).
type liveOp struct {
	id     opID
	val    format.Value
	born   int32       // index of the change that made it
	killed []int32     // indexes of the changes that overwrote or deleted it
	incs   []increment // a counter's increments
	obj    bool
}

// increment is one inc op's delta to a counter, and the change that made it.
type increment struct {
	change int32
	delta  int64
}

// NewReplica returns an empty document: a root map with no keys.
func NewReplica() *Replica {
	return &Replica{
		actors: actorTable{ids: map[string]uint32{}},
		objs:   map[opID]*replicaObj{{}: {kind: kindMap, keys: map[string][]liveOp{}}},
		index:  map[format.ChangeHash]int32{},
	}
}

// Len returns the number of changes applied.
func (r *Replica) Len() int { return int(r.n) }

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
	deps := make([]int32, 0, len(c.Deps))
	for _, d := range c.Deps {
		if i, ok := r.index[d]; ok {
			deps = append(deps, i)
		}
	}
	r.index[c.Hash] = r.n
	r.deps = append(r.deps, deps)
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
		if vals := r.update(o.keys[op.Key.MapKey], id, op); len(vals) > 0 {
			o.keys[op.Key.MapKey] = vals
		}
	case o.kind != kindMap && !op.Key.IsMap:
		if e := r.element(o, id, op); e != nil {
			e.vals = r.update(e.vals, id, op)
		}
	}
	// otherwise a map key on a list or an element on a map: malformed, skipped
}

// update applies op (with id id, its preds in r.preds) to the value ops of
// one map key or list element and returns them.
func (r *Replica) update(vals []liveOp, id opID, op *format.Op) []liveOp {
	switch op.Action {
	case format.Inc:
		r.increment(vals, op.Value)
		for i := range vals { // automerge: an inc hides the non-counters it names
			if vals[i].val.Type != format.TypeCounter || vals[i].obj {
				if slices.Contains(r.preds, vals[i].id) {
					vals[i].killed = append(vals[i].killed, r.n)
				}
			}
		}
		return vals
	case format.Mark:
		return vals
	}
	for i := range vals {
		if slices.Contains(r.preds, vals[i].id) {
			vals[i].killed = append(vals[i].killed, r.n)
		}
	}
	if op.Action == format.Del {
		return vals
	}
	l := liveOp{id: id, val: op.Value, born: r.n}
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
	return append(vals, l)
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

// increment adds an inc op's delta to the counters it names.
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
			live[i].incs = append(live[i].incs, increment{change: r.n, delta: d})
		}
	}
}

// View is a Replica read as of a set of its changes. It is valid until the
// replica applies another change.
type View struct {
	r  *Replica
	in []bool // in[i]: change i is in the version; nil: every change applied
}

// At returns the replica as of the changes that are heads or their
// ancestors: a version. ErrUnknownHead if a head was never applied.
func (r *Replica) At(heads []format.ChangeHash) (*View, error) {
	in := make([]bool, r.n)
	stack := make([]int32, 0, len(heads))
	for _, h := range heads {
		i, ok := r.index[h]
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownHead, h)
		}
		stack = append(stack, i)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if in[i] {
			continue
		}
		in[i] = true
		for _, d := range r.deps[i] {
			if !in[d] {
				stack = append(stack, d)
			}
		}
	}
	return &View{r: r, in: in}, nil
}

// Prefix returns the replica as of its first n changes applied.
func (r *Replica) Prefix(n int) *View {
	in := make([]bool, r.n)
	for i := range min(n, len(in)) {
		in[i] = true
	}
	return &View{r: r, in: in}
}

// has reports whether change i is in the view.
func (v *View) has(i int32) bool { return v.in == nil || (int(i) < len(v.in) && v.in[i]) }

// live reports whether op l is live in the view.
func (v *View) live(l *liveOp) bool {
	if !v.has(l.born) {
		return false
	}
	for _, k := range l.killed {
		if v.has(k) {
			return false
		}
	}
	return true
}

// winner returns the op live in the view with the greatest id, or false
// if none is.
func (v *View) winner(vals []liveOp) (*liveOp, bool) {
	var best *liveOp
	for i := range vals {
		if l := &vals[i]; v.live(l) && (best == nil || v.r.actors.greater(l.id, best.id)) {
			best = l
		}
	}
	return best, best != nil
}

// Root reads the replica with every change it applied; see View.Root.
func (r *Replica) Root(keys []string, maxDepth int, deep any) map[string]any {
	return (&View{r: r}).Root(keys, maxDepth, deep)
}

// Root returns the plain value of the root's keys (all of them when keys is
// empty): maps become map[string]any, lists []any, texts a string, a
// counter its int64 value, a timestamp a time.Time, and other scalars their
// Go value (string, int64, uint64, float64, bool, []byte, nil; nil for an
// unknown type). A container nested maxDepth levels below a root key (the
// root key's own value is depth 0) is replaced by deep, as scene's reader of
// automerge documents does.
func (v *View) Root(keys []string, maxDepth int, deep any) map[string]any {
	root := v.r.objs[opID{}]
	out := map[string]any{}
	if len(keys) == 0 {
		for k := range root.keys {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if w, ok := v.winner(root.keys[k]); ok {
			out[k] = v.plain(w, 0, maxDepth, deep)
		}
	}
	return out
}

// plain returns the plain value of op l at depth.
func (v *View) plain(l *liveOp, depth, maxDepth int, deep any) any {
	if !l.obj {
		return v.scalar(l)
	}
	o := v.r.objs[l.id]
	if o.kind != kindText && depth >= maxDepth {
		return deep
	}
	switch o.kind {
	case kindMap:
		m := make(map[string]any, len(o.keys))
		for k, vals := range o.keys {
			if w, ok := v.winner(vals); ok {
				m[k] = v.plain(w, depth+1, maxDepth, deep)
			}
		}
		return m
	case kindList:
		list := make([]any, 0, len(o.elems))
		for i := range o.elems {
			if w, ok := v.winner(o.elems[i].vals); ok {
				list = append(list, v.plain(w, depth+1, maxDepth, deep))
			}
		}
		return list
	}
	var b strings.Builder
	for i := range o.elems {
		if w, ok := v.winner(o.elems[i].vals); ok {
			if s, isStr := w.val.V.(string); isStr && !w.obj {
				b.WriteString(s)
			} else {
				b.WriteString("\uFFFC")
			}
		}
	}
	return b.String()
}

// scalar returns the plain Go value of a scalar op in the view.
func (v *View) scalar(l *liveOp) any {
	if l.val.Type == format.TypeCounter {
		c, _ := l.val.V.(format.Counter)
		n := int64(c)
		for _, in := range l.incs {
			if v.has(in.change) {
				n += in.delta
			}
		}
		return n
	}
	return scalar(l.val)
}

// scalar returns the plain Go value of a scalar other than a counter.
func scalar(val format.Value) any {
	switch val.Type {
	case format.TypeTimestamp:
		t, _ := val.V.(format.Timestamp)
		return time.UnixMilli(int64(t))
	case format.TypeNull, format.TypeFalse, format.TypeTrue, format.TypeUint, format.TypeInt,
		format.TypeFloat, format.TypeString, format.TypeBytes:
		return val.V
	}
	return nil
}
