package format

import "strconv"

// Action is an op's action code (binary format spec, "Operations";
// rust/automerge/src/types.rs). Codes above Mark are unknown and are kept
// as-is.
type Action uint64

// Action codes.
const (
	MakeMap   Action = 0 // create a map object
	Set       Action = 1 // put a scalar value (JS "set", Rust "put")
	MakeList  Action = 2 // create a list object
	Del       Action = 3 // delete a key or list element
	MakeText  Action = 4 // create a text object
	Inc       Action = 5 // increment a counter by the op's (int or uint) value
	MakeTable Action = 6 // create a table object
	Mark      Action = 7 // begin (with a mark name) or end a rich-text mark
)

var actionNames = [...]string{"makeMap", "set", "makeList", "del", "makeText", "inc", "makeTable", "mark"}

// String returns the action's name as automerge's JS decodeChange spells it,
// or "action(N)" for an unknown code.
func (a Action) String() string {
	if a < Action(len(actionNames)) {
		return actionNames[a]
	}
	return "action(" + strconv.FormatUint(uint64(a), 10) + ")"
}

// OpID identifies an op: its counter and the index of its actor in the
// change's actor table (0 is the change's author, 1.. index OtherActors).
type OpID struct {
	Counter uint64
	Actor   int
}

// ObjID identifies an object by the OpID of the op that created it. The zero
// ObjID is the root map.
type ObjID OpID

// IsRoot reports whether o is the root map.
func (o ObjID) IsRoot() bool {
	return o.Counter == 0
}

// Key is the property an op targets: a map key when IsMap is set, otherwise
// a list or text element (the element an insert goes after). The zero Elem is
// the head of the list.
type Key struct {
	MapKey string
	Elem   OpID
	IsMap  bool
}

// IsHead reports whether k is the head of a list (insert at the start).
func (k Key) IsHead() bool {
	return !k.IsMap && k.Elem.Counter == 0
}

// Op is one decoded operation of a change.
type Op struct {
	ID     OpID  // (StartOp + i) @ author
	Obj    ObjID // the object the op modifies
	Key    Key
	Action Action
	Insert bool  // the op inserts a new element after Key
	Value  Value // the value of Set, the delta of Inc, the value of a mark
	Pred   []OpID
	// MarkBegin is set for a mark op that begins a mark: one with a mark
	// name. A mark op without one ends a mark.
	MarkBegin bool
	// MarkName is the mark's name for a mark-begin op, empty otherwise.
	MarkName string
	// Expand is the expand flag of a mark op.
	Expand bool
}

// ActorAt returns the actor with index i in the change's actor table (0 is
// the author, 1.. are OtherActors), or nil when i is out of range.
func (c *Change) ActorAt(i int) []byte {
	switch {
	case i == 0:
		return c.Actor
	case i > 0 && i <= len(c.OtherActors):
		return c.OtherActors[i-1]
	}
	return nil
}

// Ops decodes the change's operations. ParseChange has already validated the
// columns, so an error here means c was not produced by ParseChange.
func (c *Change) Ops() ([]Op, error) {
	if c.NumOps == 0 {
		return nil, nil
	}
	it := c.opIter()
	it.collect = true
	ops := make([]Op, 0, c.NumOps)
	npred := make([]int, 0, c.NumOps)
	var raw rawOp
	for !it.action.done() {
		if err := it.next(&raw); err != nil {
			return nil, err
		}
		ops = append(ops, raw.toOp(c.StartOp+uint64(len(ops))))
		npred = append(npred, int(raw.numPred))
	}
	if err := it.finish(); err != nil {
		return nil, err
	}
	// The ops' Pred slices share one backing array.
	preds := it.preds
	for i, n := range npred {
		ops[i].Pred, preds = preds[:n:n], preds[n:]
	}
	return ops, nil
}

// toOp converts a decoded row into an Op with counter ctr. Ops fills in
// Pred.
func (r *rawOp) toOp(ctr uint64) Op {
	op := Op{
		ID:     OpID{Counter: ctr},
		Obj:    r.obj,
		Key:    Key{Elem: r.elem, IsMap: r.isMap},
		Action: Action(r.action),
		Insert: r.insert,
		Value:  makeValue(r.valType, r.val),
		Expand: r.expand,
	}
	if r.isMap {
		op.Key.MapKey = string(r.mapKey)
	}
	if r.markName != nil {
		op.MarkBegin, op.MarkName = true, string(r.markName)
	}
	return op
}
