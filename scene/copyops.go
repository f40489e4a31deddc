package scene

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
	"github.com/google/uuid"
)

// DuplicateSubtree copies node id and its descendants in the current
// resolved tree, giving every copy a new id (opt.NewID, random UUIDs by
// default), and places the copy of id under parent ("" = the layer root)
// as at says (see Position); Position{After: id} puts it right after the
// original when parent is the original's parent. The copies keep every
// other field, their sibling orders and their shape; the copy of a node
// shown under another in the subtree (an orphan or cycle-broken node
// included) is a child of that node's copy. All is written in one change
// (OpDuplicate; "nodes" lists the new ids in the same order as "sources",
// depth first). It returns the map from original to new id.
//
// Field values are copied as ReadLayer reads them: Text becomes a scalar
// string, a counter an int, malformed fields their defaults. parent may be
// inside the subtree (the copies are new nodes, so no cycle arises).
// Errors: ErrNodeNotFound (id or parent), ErrNodeExists (NewID returned an
// id in use), ErrWouldCycle (NewID returned the id of a deleted node whose
// orphans parent sits under), ErrInvalidNode (an original cannot be written back, e.g. a
// parent that is not a UUID), ErrInvalidPosition, ErrNotLayer.
func DuplicateSubtree(doc *automerge.Doc, id, parent NodeID, at Position, opt OpOptions) (map[NodeID]NodeID, automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	if _, err := begin(doc, opt); err != nil {
		return nil, none, err
	}
	snap, err := readSnapshot(doc)
	if err != nil {
		return nil, none, err
	}
	if err := checkSource(snap, id, snap, parent); err != nil {
		return nil, none, err
	}
	olds := snap.subtree(id)
	ids, news, err := newIDs(snap, olds, opt.NewID)
	if err != nil {
		return nil, none, err
	}
	p, err := snap.place(news[0], parent, at)
	if err != nil {
		return nil, none, err
	}
	if err := checkAdoption(snap.nodes, parent, news); err != nil {
		return nil, none, err
	}
	copies, err := copyNodes(snap, olds, ids, parent, p.order)
	if err != nil {
		return nil, none, err
	}
	if err := writeCopies(snap.nodes, copies, p); err != nil {
		return nil, none, err
	}
	h, err := commitOp(doc, OpMessage{
		Op: OpDuplicate, Nodes: news, Props: []string{""}, Parent: parentRef(parent),
		Rekeyed: p.rekeyed(), Sources: olds,
	}, opt)
	if err != nil {
		return nil, none, err
	}
	return ids, h, nil
}

// MoveOptions are MoveSubtree's options: those of every operation, plus
// the ids of the two layers, recorded in both commit messages as
// "fromLayer" and "toLayer" when set.
type MoveOptions struct {
	OpOptions
	FromLayer string
	ToLayer   string
}

// MoveResult reports what MoveSubtree did: the moved ids (depth first,
// the subtree's root first), the link UUID both commit messages carry, and
// the two changes.
type MoveResult struct {
	Nodes     []NodeID
	Link      string
	DstChange automerge.ChangeHash
	SrcChange automerge.ChangeHash
}

// MoveSubtree moves node id and its resolved descendants from layer src to
// layer dst, keeping their ids, and places id under dstParent ("" = the
// layer root) of dst as at says (see Position). It commits two changes:
// first OpMoveIn on dst (the nodes created, as DuplicateSubtree copies
// them), then OpMoveOut on src (the nodes deleted). Both messages carry
// the same "link" (a new UUID), and the moveOut message names the moveIn
// change in "linkChange" (hex hash), so history can pair them. If the
// second commit fails, the nodes are in both layers (never in neither) and
// the returned result holds the first change.
//
// Nodes of dst that still name a moved id as their parent (orphans of an
// earlier move or delete) are adopted by it again; if dstParent hangs under
// such an orphan the move would close a cycle and fails with ErrWouldCycle.
// Edits made concurrently to the moved nodes in src are lost with them
// (a delete wins). Errors: ErrSameLayer, ErrNodeNotFound (id in src,
// dstParent in dst), ErrNodeExists (a moved id already in dst),
// ErrWouldCycle,
// ErrInvalidNode (e.g. an id that is not a UUID), ErrInvalidPosition,
// ErrInvalidValue, ErrNotLayer.
func MoveSubtree(src, dst *automerge.Doc, id, dstParent NodeID, at Position, opt MoveOptions) (MoveResult, error) {
	if src == dst && src != nil {
		return MoveResult{}, ErrSameLayer
	}
	if !utf8.ValidString(opt.FromLayer) || !utf8.ValidString(opt.ToLayer) {
		return MoveResult{}, fmt.Errorf("%w: layer id is invalid UTF-8", ErrInvalidValue)
	}
	ssnap, dsnap, err := moveSnapshots(src, dst, opt.OpOptions)
	if err != nil {
		return MoveResult{}, err
	}
	if err := checkSource(ssnap, id, dsnap, dstParent); err != nil {
		return MoveResult{}, err
	}
	olds := ssnap.subtree(id)
	ids := make(map[NodeID]NodeID, len(olds))
	for _, x := range olds {
		if dsnap.has(x) {
			return MoveResult{}, fmt.Errorf("%w: %s in the destination layer", ErrNodeExists, x)
		}
		ids[x] = x
	}
	p, err := dsnap.place(id, dstParent, at)
	if err != nil {
		return MoveResult{}, err
	}
	if err := checkAdoption(dsnap.nodes, dstParent, olds); err != nil {
		return MoveResult{}, err
	}
	copies, err := copyNodes(ssnap, olds, ids, dstParent, p.order)
	if err != nil {
		return MoveResult{}, err
	}
	return commitMove(src, dst, ssnap, dsnap, copies, p, opt)
}

// moveSnapshots begins the operation on both layers and reads them.
func moveSnapshots(src, dst *automerge.Doc, opt OpOptions) (*snapshot, *snapshot, error) {
	for _, d := range []*automerge.Doc{src, dst} {
		if _, err := begin(d, opt); err != nil {
			return nil, nil, err
		}
	}
	ssnap, err := readSnapshot(src)
	if err != nil {
		return nil, nil, err
	}
	dsnap, err := readSnapshot(dst)
	if err != nil {
		return nil, nil, err
	}
	return ssnap, dsnap, nil
}

// commitMove writes and commits both halves of a validated move.
func commitMove(src, dst *automerge.Doc, ssnap, dsnap *snapshot, copies []Node, p placement, opt MoveOptions) (MoveResult, error) {
	res := MoveResult{Nodes: make([]NodeID, len(copies)), Link: uuid.NewString()}
	for i, n := range copies {
		res.Nodes[i] = n.ID
	}
	if err := writeCopies(dsnap.nodes, copies, p); err != nil {
		return MoveResult{}, err
	}
	msg := OpMessage{
		Op: OpMoveIn, Nodes: res.Nodes, Props: []string{""}, Parent: parentRef(copies[0].Parent),
		Rekeyed: p.rekeyed(), Link: res.Link, FromLayer: opt.FromLayer, ToLayer: opt.ToLayer,
	}
	var err error
	if res.DstChange, err = commitOp(dst, msg, opt.OpOptions); err != nil {
		return MoveResult{}, err
	}
	for _, x := range res.Nodes {
		if err := ssnap.nodes.Delete(string(x)); err != nil {
			return res, fmt.Errorf("scene: move: delete %s from source: %w", x, err)
		}
	}
	msg = OpMessage{
		Op: OpMoveOut, Nodes: res.Nodes, Props: []string{""}, Link: res.Link,
		LinkChange: res.DstChange.String(), FromLayer: opt.FromLayer, ToLayer: opt.ToLayer,
	}
	if res.SrcChange, err = commitOp(src, msg, opt.OpOptions); err != nil {
		return res, err
	}
	return res, nil
}

// checkSource checks that id exists in from and parent ("" or a node) in
// to.
func checkSource(from *snapshot, id NodeID, to *snapshot, parent NodeID) error {
	if !from.has(id) {
		return fmt.Errorf("%w: %s", ErrNodeNotFound, id)
	}
	if parent != "" && !to.has(parent) {
		return fmt.Errorf("%w: parent %s", ErrNodeNotFound, parent)
	}
	return nil
}

// checkAdoption returns ErrWouldCycle if placing nodes with the given ids
// under parent would close a cycle through orphans naming them (see
// adoptsAncestor).
func checkAdoption(nodes *automerge.Map, parent NodeID, ids []NodeID) error {
	cyc, err := adoptsAncestor(nodes, parent, func(x NodeID) bool { return slices.Contains(ids, x) })
	if err != nil {
		return err
	}
	if cyc {
		return fmt.Errorf("%w: %q hangs under an orphan of a node being placed above it", ErrWouldCycle, parent)
	}
	return nil
}

// newIDs draws a new id for every node of olds, returning the map and the
// new ids in the same order.
func newIDs(snap *snapshot, olds []NodeID, gen func() NodeID) (map[NodeID]NodeID, []NodeID, error) {
	if gen == nil {
		gen = func() NodeID { return NodeID(uuid.NewString()) }
	}
	ids := make(map[NodeID]NodeID, len(olds))
	news := make([]NodeID, len(olds))
	used := make(map[NodeID]bool, len(olds))
	for i, old := range olds {
		nid := gen()
		if used[nid] || snap.has(nid) {
			return nil, nil, fmt.Errorf("%w: new id %s", ErrNodeExists, nid)
		}
		used[nid], ids[old], news[i] = true, nid, nid
	}
	return ids, news, nil
}

// copyNodes reads the nodes olds (a subtree, root first) from snap and
// returns them validated for writing with ids mapped through ids: the root
// under parent with the given order, every other node under the copy of
// its resolved parent with its own order.
func copyNodes(snap *snapshot, olds []NodeID, ids map[NodeID]NodeID, parent NodeID, order string) ([]Node, error) {
	out := make([]Node, len(olds))
	for i, old := range olds {
		n, err := readNode(snap.nodes, old)
		if err != nil {
			return nil, err
		}
		n.ID, n.Warnings = ids[old], nil
		if i == 0 {
			n.Parent, n.Order = parent, order
		} else {
			n.Parent = ids[snap.tree.Nodes[old].ResolvedParent]
		}
		if out[i], err = prepareNode(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// writeCopies writes validated nodes and the re-keyed siblings.
func writeCopies(nodes *automerge.Map, copies []Node, p placement) error {
	for _, n := range copies {
		if err := writeNode(nodes, n); err != nil {
			return fmt.Errorf("scene: write node %s: %w", n.ID, err)
		}
	}
	return p.write()
}
