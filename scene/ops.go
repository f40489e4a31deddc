package scene

import (
	"cmp"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// Scene operations: a Go API over a layer document for the server, the CLI
// and the engine-plugin protocol. Every operation
//
//  1. commits any operations the caller left uncommitted in doc as a
//     separate change without a message, so its own change holds only its
//     own writes;
//  2. validates everything against the layer's current state, and on error
//     returns a wrapped sentinel (opserrors.go, errors.go) having written
//     nothing;
//  3. writes, following the writing rules of docs/scene-schema.md (scalar
//     strings, containers created with their node, elements edited in
//     place);
//  4. commits exactly one change whose message is an OpMessage (String),
//     and returns its hash; an operation that changes nothing (setting a
//     value already there) still commits one, empty, change.
//
// Structural operations (create without an explicit order, delete,
// reparent, reorder, duplicate, move) read the structure of the whole layer
// (every node's parent and order) to validate and place nodes; the others
// touch only the node they edit.
//
// An operation is not safe for concurrent use with other writers of the
// same document: callers serialize writes per document. If the automerge
// library itself fails after validation succeeded (not expected for a
// document that validated), the error is returned and the document may
// hold uncommitted operations, which the next operation commits on its own.

// OpOptions are the options every scene operation takes.
type OpOptions struct {
	// Author identifies who asked for the operation (a user or peer id). It
	// is recorded as "author" in the commit message; "" records none.
	Author string
	// Time is the change's timestamp; nil means now, and a pointer to the
	// zero time writes none (see automerge.CommitOptions).
	Time *time.Time
	// NewID makes the ids of the nodes DuplicateSubtree creates; nil means
	// random UUIDs. It must return canonical lowercase UUIDs that are not
	// in the layer. Other operations ignore it.
	NewID func() NodeID
	// Reverts is the change Revert undoes, recorded in its commit message
	// as "linkChange" when non-zero. Other operations ignore it.
	Reverts automerge.ChangeHash
}

// begin starts an operation on doc: it checks the options, commits stray
// operations and returns the layer's `nodes` map.
func begin(doc *automerge.Doc, opt OpOptions) (*automerge.Map, error) {
	if doc == nil {
		return nil, fmt.Errorf("%w: nil document", ErrNotLayer)
	}
	if !utf8.ValidString(opt.Author) {
		return nil, fmt.Errorf("%w: author is invalid UTF-8", ErrInvalidValue)
	}
	doc.Heads() // commits pending operations, if any, as their own change
	return layerNodes(doc)
}

// commitOp commits the operation's writes as one change described by m.
func commitOp(doc *automerge.Doc, m OpMessage, opt OpOptions) (automerge.ChangeHash, error) {
	m.Author = opt.Author
	// AllowEmpty: automerge drops a put that writes the value already
	// there, so a no-op (reparenting where the node already is, renaming to
	// the same name) still makes its one change, without ops.
	h, err := doc.Commit(m.String(), automerge.CommitOptions{Time: opt.Time, AllowEmpty: true})
	if err != nil {
		return automerge.ChangeHash{}, fmt.Errorf("scene: commit %s: %w", m.Op, err)
	}
	return h, nil
}

// CreateNode creates node n with every container it will need (as
// AddNode) and commits it as one change (OpCreate).
//
// n.Parent must be "" or an existing node (ErrNodeNotFound), and not a
// descendant of an orphan that names n.ID as its parent (ErrWouldCycle:
// re-creating a deleted node adopts such orphans). The node's
// order is n.Order if that is non-empty, and then at must be zero
// (ErrInvalidPosition); otherwise it comes from at (see Position): by
// default after the last of its siblings. Errors: ErrInvalidNode and
// ErrNodeExists as for AddNode, ErrNodeNotFound, ErrWouldCycle,
// ErrInvalidPosition, ErrNotLayer.
//
// Placing a node by siblings reads the layer's structure; a bulk import
// should compute orders with NKeysBetween and pass them in n.Order.
func CreateNode(doc *automerge.Doc, n Node, at Position, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	nodes, err := begin(doc, opt)
	if err != nil {
		return none, err
	}
	if n.Order != "" && !at.IsZero() {
		return none, fmt.Errorf("%w: node has an order and a position", ErrInvalidPosition)
	}
	if n, err = prepareNode(n); err != nil {
		return none, err
	}
	if v, err := nodes.Get(string(n.ID)); err != nil {
		return none, fmt.Errorf("scene: create node %s: %w", n.ID, err)
	} else if !v.IsVoid() {
		return none, fmt.Errorf("%w: %s", ErrNodeExists, n.ID)
	}
	p, err := placeNew(doc, nodes, n, at)
	if err != nil {
		return none, err
	}
	if cyc, err := adoptsAncestor(nodes, n.Parent, func(x NodeID) bool { return x == n.ID }); err != nil || cyc {
		return none, cmp.Or(err, fmt.Errorf("%w: %s under %s, which hangs under an orphan of %s", ErrWouldCycle, n.ID, n.Parent, n.ID))
	}
	n.Order = p.order
	if err := writeNode(nodes, n); err != nil {
		return none, fmt.Errorf("scene: create node %s: %w", n.ID, err)
	}
	if err := p.write(); err != nil {
		return none, err
	}
	return commitOp(doc, OpMessage{
		Op: OpCreate, Nodes: []NodeID{n.ID}, Props: []string{""},
		Parent: parentRef(n.Parent), Rekeyed: p.rekeyed(),
	}, opt)
}

// placeNew checks a new node's parent and computes its placement, reading
// the layer's structure only when siblings decide the order.
func placeNew(doc *automerge.Doc, nodes *automerge.Map, n Node, at Position) (placement, error) {
	if err := at.validate(); err != nil {
		return placement{}, err
	}
	if order := cmp.Or(n.Order, at.Order); order != "" {
		if n.Parent != "" {
			if _, err := nodeMap(nodes, n.Parent); err != nil && !errors.Is(err, ErrMalformedNode) {
				return placement{}, fmt.Errorf("scene: parent of %s: %w", n.ID, err)
			}
		}
		return placement{order: order}, nil
	}
	snap, err := readSnapshot(doc)
	if err != nil {
		return placement{}, err
	}
	if n.Parent != "" && !snap.has(n.Parent) {
		return placement{}, fmt.Errorf("%w: parent %s", ErrNodeNotFound, n.Parent)
	}
	return snap.place(n.ID, n.Parent, at)
}

// DeleteSubtree deletes node id and all its descendants in the current
// resolved tree (children, their children, …, including orphans and
// cycle-broken nodes shown under them), as one change (OpDelete) listing
// every deleted id, id first, then depth first in sibling order.
//
// A node whose declared parent is deleted but that was not shown under it
// (a cycle-broken node elsewhere in the tree) is kept and becomes an
// orphan, shown where it already was. A peer that concurrently adds a child
// under a deleted node gets an orphan, shown at the layer root. Errors:
// ErrNodeNotFound, ErrNotLayer.
func DeleteSubtree(doc *automerge.Doc, id NodeID, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	if _, err := begin(doc, opt); err != nil {
		return none, err
	}
	snap, err := readSnapshot(doc)
	if err != nil {
		return none, err
	}
	if !snap.has(id) {
		return none, fmt.Errorf("%w: %s", ErrNodeNotFound, id)
	}
	ids := snap.subtree(id)
	for _, x := range ids {
		if err := snap.nodes.Delete(string(x)); err != nil {
			return none, fmt.Errorf("scene: delete node %s: %w", x, err)
		}
	}
	return commitOp(doc, OpMessage{Op: OpDelete, Nodes: ids, Props: []string{""}}, opt)
}

// Reparent makes parent ("" = the layer root) the declared parent of node
// id and places it among parent's children as at says (see Position),
// writing `parent` and `order` in one change (OpReparent).
//
// It returns ErrWouldCycle if parent is id or a descendant of id in the
// current resolved tree, so it never creates a cycle of declared parents
// among nodes that are not on one already; concurrent reparents on two
// replicas still can, and the tree rules resolve that. To repair a cycle,
// reparent its cycle-broken node to "" (where it is shown). Other errors:
// ErrNodeNotFound (id or parent), ErrInvalidPosition, ErrMalformedNode,
// ErrNotLayer.
func Reparent(doc *automerge.Doc, id, parent NodeID, at Position, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	if _, err := begin(doc, opt); err != nil {
		return none, err
	}
	snap, err := readSnapshot(doc)
	if err != nil {
		return none, err
	}
	switch {
	case !snap.has(id):
		return none, fmt.Errorf("%w: %s", ErrNodeNotFound, id)
	case parent != "" && !snap.has(parent):
		return none, fmt.Errorf("%w: parent %s", ErrNodeNotFound, parent)
	case parent != "" && snap.isAncestorOrSelf(id, parent):
		return none, fmt.Errorf("%w: %s under %s", ErrWouldCycle, id, parent)
	}
	return moveWithin(doc, snap, id, parent, at, opt, OpReparent)
}

// Reorder moves node id among its current siblings (the children of its
// resolved parent) as at says, writing only its `order` (OpReorder): with
// Position{After: x, Before: y} its new order is KeyBetween(order(x),
// order(y)), re-keying siblings only when that is impossible. The declared
// parent is unchanged, so an orphan or cycle-broken node is reordered among
// the layer root's children, where it is shown. Errors: ErrNodeNotFound,
// ErrInvalidPosition, ErrMalformedNode, ErrNotLayer.
func Reorder(doc *automerge.Doc, id NodeID, at Position, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	if _, err := begin(doc, opt); err != nil {
		return none, err
	}
	snap, err := readSnapshot(doc)
	if err != nil {
		return none, err
	}
	if !snap.has(id) {
		return none, fmt.Errorf("%w: %s", ErrNodeNotFound, id)
	}
	return moveWithin(doc, snap, id, snap.tree.Nodes[id].ResolvedParent, at, opt, OpReorder)
}

// moveWithin writes a validated reparent (op OpReparent) or reorder.
func moveWithin(doc *automerge.Doc, snap *snapshot, id, parent NodeID, at Position, opt OpOptions, op string) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	nm, err := nodeMap(snap.nodes, id)
	if err != nil {
		return none, err
	}
	p, err := snap.place(id, parent, at)
	if err != nil {
		return none, err
	}
	msg := OpMessage{Op: op, Nodes: []NodeID{id}, Props: []string{"/order"}, Rekeyed: p.rekeyed()}
	if op == OpReparent {
		msg.Props, msg.Parent = []string{"/parent", "/order"}, parentRef(parent)
		if err := nm.Set("parent", string(parent)); err != nil {
			return none, fmt.Errorf("scene: write parent of %s: %w", id, err)
		}
	}
	if err := nm.Set("order", p.order); err != nil {
		return none, fmt.Errorf("scene: write order of %s: %w", id, err)
	}
	if err := p.write(); err != nil {
		return none, err
	}
	return commitOp(doc, msg, opt)
}
