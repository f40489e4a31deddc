package crdt

import (
	"fmt"

	"github.com/automerge/automerge-go"

	"atelier/crdt/format"
	"atelier/store"
)

// InitialChanges returns every change of a freshly built automerge document
// as store rows (ordinals 1..n), ready for store.CreateWorld. user is
// recorded as the one who delivered them.
func InitialChanges(doc *automerge.Doc, id store.DocID, user string) ([]store.Change, error) {
	chs, err := doc.Changes()
	if err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	out := make([]store.Change, 0, len(chs))
	for i, ch := range chs {
		c, _, err := format.ParseChange(ch.Save())
		if err != nil {
			return nil, fmt.Errorf("%w: initial change %d: %w", ErrBadChange, i, err)
		}
		out = append(out, toStored(id, int64(i)+1, c, user))
	}
	return out, nil
}
