package crdt

import (
	"context"
	"fmt"

	"github.com/automerge/automerge-go"

	"atelier/crdt/format"
	"atelier/store"
)

// EditFunc makes one change on a document's current automerge state and
// returns its hash, or changed false when it had nothing to write. It must
// make at most one change and leave no uncommitted operations; if it fails,
// the state is thrown away.
type EditFunc func(doc *automerge.Doc) (h automerge.ChangeHash, changed bool, err error)

// Edit runs fn on the document's current state inside its loop, on behalf
// of user, and ingests the change fn made like a peer's: checked, committed
// in the document's next batch, sent to every peer. It returns once the
// change is durable, or with the reason fn failed or the change was
// refused.
//
// The state is the automerge-go document the loop keeps while a document
// is being written (loaded from the store when it is not resident), so an
// edit on a live document costs only what fn does: no load, no copy of a
// large document. fn blocks the document's sync while it runs; keep it
// short.
func (h *Hub) Edit(ctx context.Context, id store.DocID, user string, fn EditFunc) error {
	done := make(chan error, 1)
	h.route(nil, id, event{kind: evEdit, peer: serverPeer{user: user}, edit: fn, ctx: ctx, done: done})
	return h.await(ctx, done)
}

// edit handles evEdit: run the edit on the verifier, then submit its change.
func (d *Document) edit(ev event) {
	if d.unavailable || d.broken != nil {
		ev.done <- d.stageSubmit(ev.peer, nil) // the document's state is the answer
		return
	}
	if err := ev.ctx.Err(); err != nil {
		ev.done <- err // the caller gave up: do not write on its behalf
		return
	}
	if err := d.loadVerifier(); err != nil {
		ev.done <- err
		return
	}
	doc := d.verifier
	if d.hub.cfg.DisableVerify {
		defer d.dropVerifier() // not kept current without verification: use it once
	}
	before := doc.Heads()
	h, changed, err := runEdit(ev.edit, doc)
	if err == nil {
		err = checkEdit(doc, before, h, changed)
	}
	if err != nil {
		d.dropVerifier() // it may hold uncommitted or unsubmitted operations
		ev.done <- err
		return
	}
	if !changed {
		ev.done <- nil
		return
	}
	ch, err := doc.Change(h)
	if err != nil {
		d.dropVerifier()
		ev.done <- fmt.Errorf("edit: read the change it made: %w", err)
		return
	}
	msg := format.SyncMessage{Version: 0x42, Have: []format.Have{{}}, Changes: [][]byte{ch.Save()}}
	if err := d.stageSubmit(ev.peer, msg.Encode()); err != nil {
		d.dropVerifier() // it holds a change the document does not
		ev.done <- err
		return
	}
	d.batch.submits = append(d.batch.submits, ev.done)
}

// runEdit runs fn, turning a panic (automerge-go panics on some misuse)
// into an error: it runs in the document's loop, which must survive it.
func runEdit(fn EditFunc, doc *automerge.Doc) (h automerge.ChangeHash, changed bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("edit panicked: %v", p)
		}
	}()
	return fn(doc)
}

// checkEdit enforces EditFunc's contract: no change and the state as it
// was, or exactly one change, h, on top of the state before. (Heads also
// commits any operations fn left uncommitted, which then fail the check.)
func checkEdit(doc *automerge.Doc, before []automerge.ChangeHash, h automerge.ChangeHash, changed bool) error {
	doc.Heads() // commit leftovers, if any, so that they count
	since, err := doc.Changes(before...)
	if err != nil {
		return fmt.Errorf("edit: read its changes: %w", err)
	}
	switch {
	case !changed && len(since) > 0:
		return fmt.Errorf("edit: reported no change but made %d", len(since))
	case changed && (len(since) != 1 || since[0].Hash() != h):
		return fmt.Errorf("edit: made %d changes, want exactly its one change %s (heads before %v)", len(since), h, before)
	}
	return nil
}
