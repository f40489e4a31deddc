package crdt

import (
	"errors"
	"fmt"
	"time"

	"github.com/automerge/automerge-go"

	"atelier/crdt/format"
	"atelier/store"
)

// ingest decodes a peer's sync message, validates its changes and stages
// every change whose dependencies are present (and every waiting change
// they unblock). Nothing of a message that fails validation is kept.
func (d *Document) ingest(dp *docPeer, data []byte) (processed, error) {
	msg, err := format.DecodeSyncMessage(data)
	if err != nil {
		return processed{}, fmt.Errorf("%w: %w", ErrBadSyncMessage, err)
	}
	blooms, err := decodeBlooms(msg.Have)
	if err != nil {
		return processed{}, err
	}
	changes, err := parseChanges(msg)
	if err != nil {
		return processed{}, err
	}
	if len(changes) > 0 && dp.access < AccessWrite {
		return processed{}, ErrReadOnly
	}
	pm := processed{dp: dp, msg: msg, blooms: blooms, hashes: make([]Hash, len(changes))}
	fresh := make([]*format.Change, 0, len(changes))
	for i, c := range changes {
		pm.hashes[i] = c.Hash
		if d.g.Has(c.Hash) || d.pending[c.Hash] != nil {
			continue
		}
		fresh = append(fresh, c)
	}
	now, mark, staged := time.Now(), d.g.Mark(), len(d.batch.staged)
	for _, c := range fresh {
		d.pending[c.Hash] = &pendingChange{ch: c, from: dp.p.ID(), user: dp.p.User(), since: now}
		d.pendingBytes += len(c.Raw)
	}
	for _, c := range fresh {
		if err = d.promote(c.Hash); err != nil {
			break
		}
	}
	if err == nil && (len(d.pending) > d.hub.cfg.MaxPending || d.pendingBytes > d.hub.cfg.MaxPendingBytes) {
		err = fmt.Errorf("%w: %d changes, %d bytes wait for dependencies", ErrTooMuchPending, len(d.pending), d.pendingBytes)
	}
	if err != nil {
		// Keep nothing of this message: undo what it staged (and what it
		// unblocked; those peers resend when they learn we lack it).
		d.g.Rollback(mark)
		d.batch.staged = d.batch.staged[:staged]
		d.dropVerifier()
		return processed{}, err
	}
	return pm, nil
}

func decodeBlooms(haves []format.Have) ([]format.Bloom, error) {
	blooms := make([]format.Bloom, len(haves))
	for i, h := range haves {
		b, err := format.DecodeBloom(h.Bloom)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadSyncMessage, err)
		}
		blooms[i] = b
	}
	return blooms, nil
}

// parseChanges parses and verifies every change chunk in the message. V2
// blobs may hold several chunks back to back, and whole-document chunks,
// whose changes automerge-go extracts.
func parseChanges(msg *format.SyncMessage) ([]*format.Change, error) {
	var out []*format.Change
	for _, blob := range msg.Changes {
		for len(blob) > 0 {
			c, n, err := format.ParseChange(blob)
			switch {
			case errors.Is(err, format.ErrDocumentChunk) && n > 0:
				chs, err := documentChanges(blob[:n])
				if err != nil {
					return nil, err
				}
				out = append(out, chs...)
			case err != nil:
				return nil, fmt.Errorf("%w: %w", ErrBadChange, err)
			default:
				out = append(out, c)
			}
			blob = blob[n:]
		}
	}
	return out, nil
}

// documentChanges returns the changes of a whole-document chunk (automerge
// save() output), in dependency order.
func documentChanges(chunk []byte) ([]*format.Change, error) {
	doc, err := automerge.Load(chunk)
	if err != nil {
		return nil, fmt.Errorf("%w: document chunk: %w", ErrBadChange, err)
	}
	chs, err := doc.Changes()
	if err != nil {
		return nil, fmt.Errorf("%w: document chunk: %w", ErrBadChange, err)
	}
	out := make([]*format.Change, 0, len(chs))
	for _, ch := range chs {
		c, _, err := format.ParseChange(ch.Save())
		if err != nil {
			return nil, fmt.Errorf("%w: document chunk: %w", ErrBadChange, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// promote stages the pending change h if its dependencies are all in the
// graph, then every waiting change that becomes ready (Kahn's algorithm).
// A change that breaks the actor chain or that automerge refuses fails the
// peer that sent it; it is an error only when that peer is the current one.
func (d *Document) promote(h Hash) error {
	queue := []Hash{h}
	var errCurrent error
	current := d.pending[h].from
	for len(queue) > 0 {
		h, queue = queue[0], queue[1:]
		pc := d.pending[h]
		if pc == nil || !d.ready(pc.ch) {
			continue
		}
		if err := d.stage(pc); err != nil {
			d.dropPending(h)
			if pc.from == current {
				errCurrent = err
			} else if dp, ok := d.peers[pc.from]; ok {
				d.fail(dp, err)
			}
			continue
		}
		d.dropPending(h)
		queue = append(queue, d.waiting[h]...)
		delete(d.waiting, h)
	}
	return errCurrent
}

// ready reports whether every dependency of c is in the graph, and registers
// c as waiting for those that are not.
func (d *Document) ready(c *format.Change) bool {
	ok := true
	for _, dep := range c.Deps {
		if !d.g.Has(dep) {
			d.waiting[dep] = appendOnce(d.waiting[dep], c.Hash)
			ok = false
		}
	}
	return ok
}

func appendOnce(hs []Hash, h Hash) []Hash {
	for _, x := range hs {
		if x == h {
			return hs
		}
	}
	return append(hs, h)
}

// stage adds a ready change to the graph and the batch, after verifying it
// with automerge-go.
func (d *Document) stage(pc *pendingChange) error {
	c := pc.ch
	mark := d.g.Mark()
	idx, err := d.g.Add(c.Hash, c.Deps, c.Actor, c.Seq)
	if err != nil {
		return err
	}
	if err := d.verify(c.Raw); err != nil {
		d.g.Rollback(mark)
		return fmt.Errorf("%w: %s: %w", ErrBadChange, c.Hash, err)
	}
	d.batch.staged = append(d.batch.staged, toStored(d.id, int64(idx)+1, c, pc.user))
	return nil
}

func (d *Document) dropPending(h Hash) {
	if pc, ok := d.pending[h]; ok {
		d.pendingBytes -= len(pc.ch.Raw)
		delete(d.pending, h)
	}
}

func toStored(doc store.DocID, ordinal int64, c *format.Change, user string) store.Change {
	deps := make([]store.ChangeHash, len(c.Deps))
	for i, h := range c.Deps {
		deps[i] = store.ChangeHash(h)
	}
	return store.Change{
		Doc: doc, Ordinal: ordinal, Hash: store.ChangeHash(c.Hash), Deps: deps,
		Actor: c.Actor, Seq: c.Seq, StartOp: c.StartOp, Time: c.Time, Message: c.Message,
		User: user, ReceivedAt: time.Now().UTC(), Raw: c.Raw,
	}
}
