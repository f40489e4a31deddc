package scene

import (
	"fmt"
	"slices"

	"github.com/automerge/automerge-go"
)

// OpRevert is Revert: the effects of one earlier change undone.
const OpRevert = "revert"

// Reasons a Revert leaves an effect in place (Conflict.Reason).
const (
	// ConflictChanged means the value (or the node, for a node the change
	// created or deleted) was changed since, so it is neither the change's
	// result nor what the change replaced.
	ConflictChanged = "changed"
	// ConflictCycle means setting the node's parent back, or re-creating
	// the node, would make it its own ancestor in today's layer.
	ConflictCycle = "cycle"
	// ConflictChildren means the change created the node and deleting it
	// would orphan the children it has now: added since, or created by the
	// change but kept because they conflict.
	ConflictChildren = "children"
)

// Conflict is one effect of a reverted change that Revert left in place.
// Path is as in PropChange ("" for a node the change created or deleted);
// Before and After are the values before and after the reverted change and
// Current the value now, each nil when absent (a whole node is a Node
// value). For ConflictChildren, Current lists the node's children.
type Conflict struct {
	Node    NodeID `json:"node"`
	Path    string `json:"path"`
	Reason  string `json:"reason"`
	Before  any    `json:"before"`
	After   any    `json:"after"`
	Current any    `json:"current"`
}

// RevertResult reports what Revert wrote, as RestoreResult does (Created
// in before's tree order and Deleted in after's, parents first; Props with
// Before the current value and After the one set back), and the effects
// it left in place. The lists are never nil.
type RevertResult struct {
	Change    automerge.ChangeHash
	Changed   bool
	Created   []NodeID
	Deleted   []NodeID
	Updated   []NodeID
	Props     []PropChange
	Conflicts []Conflict
}

// Revert undoes one earlier change of the layer, given the layer's state
// before it (materialized at the change's dependencies) and after it
// (materialized at the change). The change's effects are the differences
// between the two, compared as Restore compares: nodes created, nodes
// deleted, and every property that differs on nodes in both (parent and
// order included). For each effect:
//
//   - if the layer already holds the before value, there is nothing to do;
//   - if it still holds the after value (nobody changed it since), it is
//     set back: a property is written as Restore writes it, a deleted node
//     is re-created from before, a created node is deleted;
//   - otherwise it is left in place and reported as a Conflict
//     (ConflictChanged). A created node that was edited since in any way
//     (its parent and order included) is such a conflict too; one that
//     would be left with children (added since, or kept as conflicts) is
//     ConflictChildren.
//
// Setting a parent back, or re-creating a node, that would make a node its
// own ancestor in today's layer is ConflictCycle. Re-created nodes whose
// parent was deleted since come back as orphans.
//
// Everything is written in one change (OpRevert) whose message carries
// opt.Reverts, when set, as "linkChange"; when every effect is a conflict
// or already undone, nothing is committed and Changed is false. Revert
// reads the effect's nodes from the layer, and the layer's structure only
// when the change created nodes. Errors: ErrNotLayer (nil state or not a
// layer document), ErrInvalidNode (a node of before that cannot be
// written back), ErrInvalidValue, and ErrMalformedNode or
// ErrComponentNotFound for a current node lacking a container to edit; on
// error nothing is written.
func Revert(doc *automerge.Doc, before, after *LayerState, opt OpOptions) (RevertResult, error) {
	if before == nil || after == nil {
		return RevertResult{}, fmt.Errorf("%w: nil before or after state", ErrNotLayer)
	}
	nodes, err := begin(doc, opt)
	if err != nil {
		return RevertResult{}, err
	}
	v := &reverter{before: before, after: after, plan: newEditPlan(newLiveLayer(doc, nodes)), conflicts: []Conflict{}}
	afterOrder := walkOrder(Resolve(after))
	if err := v.recreateDeleted(walkOrder(Resolve(before))); err != nil {
		return RevertResult{}, err
	}
	if err := v.undoChanges(afterOrder); err != nil {
		return RevertResult{}, err
	}
	if err := v.deleteCreated(afterOrder); err != nil {
		return RevertResult{}, err
	}
	slices.Reverse(v.plan.deleted) // deleteCreated planned children first
	m := OpMessage{Op: OpRevert}
	if opt.Reverts != (automerge.ChangeHash{}) {
		m.LinkChange = opt.Reverts.String()
	}
	h, changed, err := v.plan.commit(doc, m, opt)
	if err != nil {
		return RevertResult{}, err
	}
	p := v.plan
	return RevertResult{
		Change: h, Changed: changed, Created: p.created, Deleted: p.deleted, Updated: p.updated,
		Props: p.props, Conflicts: v.conflicts,
	}, nil
}

// reverter plans one Revert.
type reverter struct {
	before, after *LayerState
	plan          *editPlan
	conflicts     []Conflict
}

// recreateDeleted plans re-creating the nodes the change deleted (order:
// before's tree, parents first) that are still missing.
func (v *reverter) recreateDeleted(order []NodeID) error {
	for _, id := range order {
		if stateNode(v.after, id) != nil {
			continue
		}
		b := stateNode(v.before, id)
		cur, err := v.plan.live.node(id)
		if err != nil {
			return err
		}
		if cur != nil {
			if len(nodeChanges(nil, id, cur, b)) > 0 {
				v.conflicts = append(v.conflicts, Conflict{Node: id, Reason: ConflictChanged, Before: *b, Current: *cur})
			}
			continue
		}
		cyc, err := v.plan.cycleThrough(id, b.Parent)
		if err != nil {
			return err
		}
		if cyc != nil {
			v.conflicts = append(v.conflicts, Conflict{Node: id, Reason: ConflictCycle, Before: *b})
			continue
		}
		if err := v.plan.create(*b); err != nil {
			return err
		}
	}
	return nil
}

// undoChanges plans setting back the properties the change set on nodes
// in both states (order: after's tree).
func (v *reverter) undoChanges(order []NodeID) error {
	for _, id := range order {
		b, a := stateNode(v.before, id), stateNode(v.after, id)
		if b == nil {
			continue
		}
		changes := nodeChanges(nil, id, b, a)
		if len(changes) == 0 {
			continue
		}
		cur, err := v.plan.live.node(id)
		if err != nil {
			return err
		}
		for _, c := range changes {
			if err := v.undo(c, cur, b, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// undo plans setting back one property change c (Before from before,
// After from after) of node cur (nil if deleted since).
func (v *reverter) undo(c PropChange, cur, b, a *Node) error {
	tok, err := parsePropPath(c.Path)
	if err != nil {
		return err
	}
	if sameAt(cur, b, tok) {
		return nil
	}
	now, _ := valueAt(cur, tok)
	if !sameAt(cur, a, tok) {
		v.conflicts = append(v.conflicts, Conflict{Node: c.ID, Path: c.Path, Reason: ConflictChanged, Before: c.Before, After: c.After, Current: now})
		return nil
	}
	if tok[0] == "parent" {
		cyc, err := v.plan.cycleThrough(c.ID, b.Parent)
		if err != nil {
			return err
		}
		if cyc != nil {
			v.conflicts = append(v.conflicts, Conflict{Node: c.ID, Path: c.Path, Reason: ConflictCycle, Before: c.Before, After: c.After, Current: now})
			return nil
		}
	}
	op := DiffReplace
	switch c.Op {
	case DiffAdd:
		op = DiffRemove
	case DiffRemove:
		op = DiffAdd
	}
	return v.plan.set(PropChange{ID: c.ID, Op: op, Path: c.Path, Before: now, After: c.Before})
}

// deleteCreated plans deleting the nodes the change created that nobody
// edited since, children before their parents (order: after's tree, which
// it walks backwards).
func (v *reverter) deleteCreated(order []NodeID) error {
	var kids map[NodeID][]NodeID
	for i := len(order) - 1; i >= 0; i-- {
		id := order[i]
		if stateNode(v.before, id) != nil {
			continue
		}
		cur, err := v.plan.live.node(id)
		if err != nil || cur == nil {
			if err != nil {
				return err
			}
			continue
		}
		a := stateNode(v.after, id)
		if len(nodeChanges(nil, id, cur, a)) > 0 {
			v.conflicts = append(v.conflicts, Conflict{Node: id, Reason: ConflictChanged, After: *a, Current: *cur})
			continue
		}
		if kids == nil {
			if kids, err = v.childIndex(); err != nil {
				return err
			}
		}
		left, err := v.remaining(id, kids[id])
		if err != nil {
			return err
		}
		if len(left) > 0 {
			v.conflicts = append(v.conflicts, Conflict{Node: id, Reason: ConflictChildren, After: *a, Current: left})
			continue
		}
		v.plan.remove(id)
	}
	return nil
}

// childIndex maps each node to the nodes declaring it as their parent,
// in the layer and among the nodes the plan re-creates.
func (v *reverter) childIndex() (map[NodeID][]NodeID, error) {
	snap, err := v.plan.live.structure()
	if err != nil {
		return nil, err
	}
	kids := map[NodeID][]NodeID{}
	for _, id := range walkOrder(snap.tree) {
		if p := snap.state.Nodes[id].Parent; p != "" {
			kids[p] = append(kids[p], id)
		}
	}
	for _, id := range v.plan.created {
		if p := v.plan.overlay[id].parent; p != "" {
			kids[p] = append(kids[p], id)
		}
	}
	return kids, nil
}

// remaining returns the candidates that still declare id as their parent
// once the plan is applied.
func (v *reverter) remaining(id NodeID, candidates []NodeID) ([]NodeID, error) {
	var left []NodeID
	for _, c := range candidates {
		p, ok, err := v.plan.parentOf(c)
		if err != nil {
			return nil, err
		}
		if ok && p == id {
			left = append(left, c)
		}
	}
	return left, nil
}
