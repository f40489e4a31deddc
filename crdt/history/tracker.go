package history

import (
	"fmt"
	"strings"

	"atelier/crdt/format"
)

// Tracker follows a layer document's changes in causal order (the server's
// accepted order) and attributes each op to a node and property path.
//
// A Tracker is not safe for concurrent use.
type Tracker struct {
	actors    actorTable
	strs      interner
	objs      []object       // objs[0] is the root
	objIdx    map[opID]int32 // object id → index in objs
	nodes     []nodeState    // every node id ever written
	nodeIdx   map[string]int32
	applied   int32 // number of changes applied: the index of the next one
	emptyPath uint32
	cur       scratch
}

// NewTracker returns a Tracker for a document with no changes yet.
func NewTracker() *Tracker {
	t := &Tracker{
		actors:  actorTable{ids: map[string]uint32{}},
		strs:    interner{ids: map[string]uint32{}},
		objIdx:  map[opID]int32{{}: 0},
		nodeIdx: map[string]int32{},
	}
	t.emptyPath = t.strs.id("")
	t.objs = append(t.objs, rootObject(t.emptyPath))
	t.cur.init()
	return t
}

// Apply processes the next change and returns what it touched. Changes
// must be applied in an order that respects dependencies (every change
// after the changes it depends on), as the server accepted them.
//
// Apply checks that each actor's changes come in seq order without gaps or
// repeats (ErrOutOfOrder); it cannot check dependencies across actors, and
// ops on objects it has not seen are reported in Touch.Other rather than
// failing. A change that does not decode fails with ErrBadChange. A failed
// Apply leaves the tracker as it was and does not consume an index.
func (t *Tracker) Apply(c *format.Change) (Touch, error) {
	if c == nil {
		return Touch{}, fmt.Errorf("%w: nil change", ErrBadChange)
	}
	if last := t.actors.seq(c.Actor); c.Seq != last+1 {
		return Touch{}, fmt.Errorf("%w: actor %x seq %d after seq %d", ErrOutOfOrder, c.Actor, c.Seq, last)
	}
	ops, err := c.Ops()
	if err != nil {
		return Touch{}, fmt.Errorf("%w: change %s: %w", ErrBadChange, c.Hash, err)
	}
	actors := make([][]byte, 0, 1+len(c.OtherActors))
	for i := 0; i <= len(c.OtherActors); i++ {
		actors = append(actors, c.ActorAt(i))
	}
	touch := t.applyOps(actors, ops)
	t.actors.lastSeq[t.actors.intern(c.Actor)] = c.Seq
	return touch, nil
}

// applyOps applies the ops of one change whose actor table is actors (the
// author first) and returns what they touched. It never fails: ops on
// unknown objects or in odd places are reported in Touch.Other.
func (t *Tracker) applyOps(actors [][]byte, ops []format.Op) Touch {
	t.cur.reset()
	for _, a := range actors {
		t.cur.local = append(t.cur.local, t.actors.intern(a))
	}
	for i := range ops {
		t.applyOp(&ops[i])
	}
	touch := t.touch()
	t.applied++
	return touch
}

// Len returns the number of changes applied so far, which is also the
// index the next applied change will get.
func (t *Tracker) Len() int { return int(t.applied) }

// LastSet returns, for each property path of the node with the given id,
// the index (0-based count of successful Apply calls) of the change that
// last set it: wrote it, deleted it, or wrote inside it (a list element or
// a Text's characters). Creating a node sets every path it writes, and
// forgets whatever an earlier node with the same id had. Paths under a
// container that was replaced or deleted after they were set are left out.
// List elements are blamed by their index at the time of the write. It
// returns nil for a node id never seen.
func (t *Tracker) LastSet(node string) map[string]int {
	n, ok := t.nodeIdx[node]
	if !ok {
		return nil
	}
	b := t.nodes[n].blame
	out := make(map[string]int, len(b))
	for _, e := range b {
		p := t.strs.str(e.path)
		if !t.shadowed(b, p, e.change) {
			out[p] = int(e.change)
		}
	}
	return out
}

// shadowed reports whether a container holding path p (a proper prefix
// ending at a dot) was set after change, which replaced or removed p.
func (t *Tracker) shadowed(b []blameEntry, p string, change int32) bool {
	for i := strings.IndexByte(p, '.'); i >= 0; {
		if id, ok := t.strs.lookup(p[:i]); ok {
			if j, found := searchBlame(b, id); found && b[j].change > change {
				return true
			}
		}
		next := strings.IndexByte(p[i+1:], '.')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}
