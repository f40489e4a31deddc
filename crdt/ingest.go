package crdt

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/automerge/automerge-go"

	"atelier/crdt/format"
	"atelier/store"
)

// Per-message caps: far above anything a real peer sends, low enough that
// hostile lists cannot make set operations expensive.
const (
	maxHashesPerList = 4096
	maxHaves         = 16
)

// ingest decodes a peer's sync message, validates its changes and stages
// every change whose dependencies are present (and every waiting change
// they unblock). Nothing of a message that fails validation is kept; peers
// whose waiting changes it had unblocked are failed so that they resync.
func (d *Document) ingest(dp *docPeer, data []byte) (processed, error) {
	msg, err := format.DecodeSyncMessage(data)
	if err != nil {
		return processed{}, fmt.Errorf("%w: %w", ErrBadSyncMessage, err)
	}
	if err := checkSizes(msg); err != nil {
		return processed{}, err
	}
	if len(msg.Changes) > 0 && dp.access < AccessWrite {
		return processed{}, ErrReadOnly
	}
	kept := cloneHeaders(msg) // the peer state keeps these; msg aliases the whole inbound buffer
	blooms, err := decodeBlooms(kept.Have)
	if err != nil {
		return processed{}, err
	}
	changes, err := parseChanges(msg)
	if err != nil {
		return processed{}, err
	}
	pm := processed{dp: dp, msg: kept, blooms: blooms, hashes: make([]Hash, len(changes))}
	fresh := d.admit(dp, changes, pm.hashes)
	mark, staged := d.g.Mark(), len(d.batch.staged)
	for _, c := range fresh {
		if err = d.promote(c.Hash, dp.p.ID()); err != nil {
			break
		}
	}
	if err == nil && (len(d.pending) > d.hub.cfg.MaxPending || d.pendingBytes > d.hub.cfg.MaxPendingBytes) {
		err = fmt.Errorf("%w: %d changes, %d bytes wait for dependencies", ErrTooMuchPending, len(d.pending), d.pendingBytes)
	}
	if err != nil {
		d.unstage(mark, staged, dp.p.ID())
		return processed{}, err
	}
	return pm, nil
}

func checkSizes(m *format.SyncMessage) error {
	if len(m.Heads) > maxHashesPerList || len(m.Need) > maxHashesPerList || len(m.Have) > maxHaves {
		return fmt.Errorf("%w: %d heads, %d needs, %d haves (limits %d, %d, %d)", ErrBadSyncMessage,
			len(m.Heads), len(m.Need), len(m.Have), maxHashesPerList, maxHashesPerList, maxHaves)
	}
	for _, h := range m.Have {
		if len(h.LastSync) > maxHashesPerList {
			return fmt.Errorf("%w: %d lastSync hashes", ErrBadSyncMessage, len(h.LastSync))
		}
	}
	return nil
}

// cloneHeaders copies what the peer state keeps of a message (heads, need,
// have), so that it does not pin the whole inbound buffer.
func cloneHeaders(m *format.SyncMessage) *format.SyncMessage {
	out := &format.SyncMessage{Version: m.Version, HasFlags: m.HasFlags, Flags: m.Flags,
		Heads: slices.Clone(m.Heads), Need: slices.Clone(m.Need), Changes: m.Changes}
	for _, h := range m.Have {
		out.Have = append(out.Have, format.Have{LastSync: slices.Clone(h.LastSync), Bloom: slices.Clone(h.Bloom)})
	}
	return out
}

// admit records the message's changes (their hashes into hashes) and adds
// the ones the document lacks to pending, with dp among their senders. It
// returns the new ones, once each.
func (d *Document) admit(dp *docPeer, changes []*format.Change, hashes []Hash) []*format.Change {
	fresh := make([]*format.Change, 0, len(changes))
	now := time.Now()
	for i, c := range changes {
		hashes[i] = c.Hash
		if d.g.Has(c.Hash) {
			continue
		}
		if pc := d.pending[c.Hash]; pc != nil {
			pc.addSender(dp.p.ID()) // the same change from another peer, or twice in one message
			continue
		}
		d.pending[c.Hash] = &pendingChange{ch: c, senders: []PeerID{dp.p.ID()}, user: dp.p.User(), since: now}
		d.pendingBytes += len(c.Raw)
		fresh = append(fresh, c)
	}
	return fresh
}

// unstage undoes what a failed message staged. Changes of other peers that
// it had unblocked are lost with it: those peers are failed, so that they
// resync on reconnect rather than wait for acknowledgements forever.
func (d *Document) unstage(mark graphMark, staged int, current PeerID) {
	for i := staged; i < len(d.batch.staged); i++ {
		for _, id := range d.batch.senders[i] {
			if dp, ok := d.peers[id]; ok && id != current {
				d.fail(dp, fmt.Errorf("%w: a change you sent was undone with another peer's bad message; resync", ErrStorage))
			}
		}
	}
	d.g.Rollback(mark)
	d.batch.staged, d.batch.senders = d.batch.staged[:staged], d.batch.senders[:staged]
	d.dropVerifier()
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
// peers that sent it; it is an error only when the current peer is one.
func (d *Document) promote(h Hash, current PeerID) error {
	queue := []Hash{h}
	var errCurrent error
	for len(queue) > 0 {
		h, queue = queue[0], queue[1:]
		pc := d.pending[h]
		if pc == nil || !d.ready(pc.ch) {
			continue
		}
		d.dropPending(h)
		if err := d.stage(pc); err != nil {
			for _, id := range pc.senders {
				if id == current {
					errCurrent = err
				} else if dp, ok := d.peers[id]; ok {
					d.fail(dp, err)
				}
			}
			continue
		}
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
	idx, err := d.g.Add(c.Hash, c.Deps, c.Actor, c.Seq, len(c.Raw))
	if err != nil {
		return err
	}
	if err := d.verify(c.Raw); err != nil {
		d.g.Rollback(mark)
		return fmt.Errorf("%w: %s: %w", ErrBadChange, c.Hash, err)
	}
	d.batch.staged = append(d.batch.staged, toStored(d.id, int64(idx)+1, c, pc.user))
	d.batch.senders = append(d.batch.senders, pc.senders)
	return nil
}

// dropPending forgets a pending change and its places in the waiting lists.
func (d *Document) dropPending(h Hash) {
	pc, ok := d.pending[h]
	if !ok {
		return
	}
	d.pendingBytes -= len(pc.ch.Raw)
	delete(d.pending, h)
	for _, dep := range pc.ch.Deps {
		if w := slices.DeleteFunc(d.waiting[dep], func(x Hash) bool { return x == h }); len(w) > 0 {
			d.waiting[dep] = w
		} else {
			delete(d.waiting, dep)
		}
	}
	if len(d.pending) == 0 {
		d.pendingBytes = 0
		clear(d.waiting)
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
