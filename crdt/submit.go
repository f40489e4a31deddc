package crdt

import (
	"context"
	"fmt"

	"atelier/crdt/format"
	"atelier/store"
)

// serverPeer is the author of changes the server itself writes (restore,
// revert, merges) on behalf of a user. It is never attached to a document.
type serverPeer struct{ user string }

func (p serverPeer) ID() PeerID                  { return PeerID("atelier-server:" + p.user) }
func (p serverPeer) User() string                { return p.user }
func (p serverPeer) Access(store.WorldID) Access { return AccessWrite }
func (p serverPeer) Deliver(Outbound) bool       { return true }
func (p serverPeer) Fail(error)                  {}

// Submit writes changes the server made (with automerge-go, on top of the
// document as committed) on behalf of user: they go through the same
// checks, are committed in the document's next batch and reach every peer.
// It returns once they are durable, or with the reason they were refused.
// Their dependencies must all be committed already.
func (h *Hub) Submit(ctx context.Context, id store.DocID, user string, changes [][]byte) error {
	if len(changes) == 0 {
		return nil
	}
	msg := format.SyncMessage{Version: 0x42, Have: []format.Have{{}}, Changes: changes}
	done := make(chan error, 1)
	h.route(nil, id, event{kind: evSubmit, peer: serverPeer{user: user}, data: msg.Encode(), done: done})
	return h.await(ctx, done)
}

// await waits for a server write's result on done, for ctx, or for the hub
// to stop.
func (h *Hub) await(ctx context.Context, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-h.ctx.Done():
		return ErrClosed
	}
}

// submit ingests a server-written change set: every change must be staged
// at once (no waiting for dependencies), or nothing of it is kept. ev.done
// gets the refusal now, or the batch's commit result later.
func (d *Document) submit(ev event) {
	if err := d.stageSubmit(ev.peer, ev.data); err != nil {
		ev.done <- err
		return
	}
	d.batch.submits = append(d.batch.submits, ev.done)
}

// stageSubmit stages the changes of sync message data written by the
// server for peer, or returns why they were refused (staging nothing).
func (d *Document) stageSubmit(p Peer, data []byte) error {
	switch {
	case d.unavailable:
		return ErrUnavailable
	case d.broken != nil:
		return fmt.Errorf("%w: %w", ErrStorage, d.broken)
	}
	dp := &docPeer{p: p, access: AccessWrite}
	mark, staged := d.g.Mark(), len(d.batch.staged)
	pm, err := d.ingest(dp, data) // on error, ingest has undone its own staging
	if err == nil {
		if missing := d.missing(pm.hashes); missing != nil {
			err = fmt.Errorf("%w: change %s depends on changes the document does not have", ErrBadChange, *missing)
			d.unstage(mark, staged, dp.p.ID())
		}
	}
	if err != nil {
		d.forgetSender(dp.p.ID()) // its changes still waiting for dependencies
	}
	return err
}

// missing returns the first of hs the graph does not hold, or nil.
func (d *Document) missing(hs []Hash) *Hash {
	for i := range hs {
		if !d.g.Has(hs[i]) {
			return &hs[i]
		}
	}
	return nil
}
