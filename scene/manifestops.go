package scene

import (
	"fmt"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// OpRenameWorld is RenameWorld: the manifest's name set. Its message lists
// no nodes and the one property "/name" of the manifest's root.
const OpRenameWorld = "renameWorld"

// RenameWorld sets a manifest document's `name` (a scalar string, replacing
// a Text) to name and commits one change (OpRenameWorld, nodes [], props
// ["/name"]), an empty one when the name is already name. Operations the
// caller left uncommitted are committed first as their own change.
//
// Errors: ErrInvalidValue (invalid UTF-8 in name or author), ErrNotManifest
// or ErrUnsupportedSchema (doc is not a v1 manifest); nothing is written.
func RenameWorld(doc *automerge.Doc, name string, opt OpOptions) (automerge.ChangeHash, error) {
	var none automerge.ChangeHash
	if !utf8.ValidString(name) || !utf8.ValidString(opt.Author) {
		return none, fmt.Errorf("%w: name or author is invalid UTF-8", ErrInvalidValue)
	}
	if doc == nil {
		return none, fmt.Errorf("%w: nil document", ErrNotManifest)
	}
	doc.Heads() // commits pending operations, if any, as their own change
	if _, err := ReadManifest(doc); err != nil {
		return none, err
	}
	if err := doc.RootMap().Set("name", name); err != nil {
		return none, fmt.Errorf("scene: rename world: %w", err)
	}
	return commitOp(doc, OpMessage{Op: OpRenameWorld, Nodes: []NodeID{}, Props: []string{"/name"}}, opt)
}
