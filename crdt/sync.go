package crdt

import (
	"context"
	"slices"

	"atelier/crdt/format"
)

// syncPeers generates and sends each peer's next sync message: to the peers
// that just spoke, and to every peer when our heads changed. Peers that have
// not spoken yet are skipped: like automerge, we answer, we do not announce.
func (d *Document) syncPeers(heads []Hash, headsChanged bool) {
	spoke := map[*docPeer]bool{}
	for _, pm := range d.batch.done {
		spoke[pm.dp] = true
	}
	d.batch = batchState{}
	var fanout fanoutCache
	for _, dp := range d.peers {
		if dp.st.spoke && (headsChanged || spoke[dp]) {
			d.syncPeer(dp, heads, &fanout)
		}
	}
}

// fanoutCache shares, within one round, the change bytes fetched for one
// peer with the next.
type fanoutCache map[int32][]byte

// syncPeer sends the peer our next sync message, if there is anything to say
// (automerge's generateSyncMessage, notes §2.6).
func (d *Document) syncPeer(dp *docPeer, heads []Hash, fc *fanoutCache) {
	st := &dp.st
	if st.resetNeeded(d.g) {
		empty := []format.Have{{}}
		d.deliver(dp, &format.SyncMessage{Version: 0x42, Heads: heads, Have: empty})
		return
	}
	need := d.needs(st.theirHeads)
	var have []format.Have
	if subset(need, st.theirHeads) {
		have = []format.Have{{LastSync: st.sharedHeads, Bloom: d.bloomSince(st.has)}}
	}
	send := st.toSend(d.g)
	if !st.shouldSend(heads, len(send)) {
		return
	}
	raws, send, err := d.raws(send, fc)
	if err != nil {
		d.log.Error("read changes to send", "err", err)
		d.fail(dp, ErrStorage)
		return
	}
	msg := &format.SyncMessage{Version: 0x42, Heads: heads, Need: need, Have: have, Changes: raws}
	if d.deliver(dp, msg) {
		st.sentMessage(d.g, heads, send)
		d.hub.stats.SyncOut.Add(1)
		d.hub.stats.ChangesOut.Add(int64(len(send)))
	}
}

func (d *Document) deliver(dp *docPeer, msg *format.SyncMessage) bool {
	if dp.p.Deliver(Outbound{Kind: OutSync, Doc: d.id, Data: msg.Encode()}) {
		return true
	}
	d.fail(dp, ErrSlowPeer)
	return false
}

// needs returns the hashes we lack that are reachable from the peer's heads:
// unknown heads, and the missing dependencies of changes we hold pending.
func (d *Document) needs(theirHeads []Hash) []Hash {
	if len(knownOnly(d.g, theirHeads)) == len(theirHeads) {
		return nil // the common case: nothing to walk
	}
	var need []Hash
	seen := map[Hash]bool{}
	stack := slices.Clone(theirHeads)
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[h] || d.g.Has(h) {
			continue
		}
		seen[h] = true
		if pc, ok := d.pending[h]; ok {
			stack = append(stack, pc.ch.Deps...)
			continue
		}
		need = append(need, h)
	}
	slices.SortFunc(need, hashLess)
	return need
}

// bloomSince returns the encoded bloom filter over our changes outside c.
func (d *Document) bloomSince(c Clock) []byte {
	idx := d.g.Since(c)
	hs := make([]format.ChangeHash, len(idx))
	for i, n := range idx {
		hs[i] = d.g.HashAt(n)
	}
	return format.NewBloom(hs)
}

// raws returns the bytes of the changes to send, first cut to
// Config.MaxOutBytes (at least one change; the rest follows in later
// rounds), and the changes kept.
func (d *Document) raws(send []int32, fc *fanoutCache) ([][]byte, []int32, error) {
	total := 0
	for i, n := range send {
		if total += d.g.SizeAt(n); total > d.hub.cfg.MaxOutBytes && i > 0 {
			send = send[:i]
			break
		}
	}
	out := make([][]byte, len(send))
	var missing []int64
	for i, n := range send {
		if b, ok := d.cache.get(n); ok {
			out[i] = b
		} else if b, ok := (*fc)[n]; ok {
			out[i] = b
		} else {
			missing = append(missing, int64(n)+1)
		}
	}
	if len(missing) > 0 {
		if err := d.fetch(out, send, missing, fc); err != nil {
			return nil, nil, err
		}
	}
	return out, send, nil
}

// fetch reads changes missing from the caches from the store.
func (d *Document) fetch(out [][]byte, send []int32, ordinals []int64, fc *fanoutCache) error {
	chs, err := d.hub.st.ChangesByOrdinal(context.Background(), d.id, ordinals)
	if err != nil {
		return err
	}
	if *fc == nil {
		*fc = fanoutCache{}
	}
	for _, c := range chs {
		(*fc)[int32(c.Ordinal-1)] = c.Raw
	}
	for i, n := range send {
		if out[i] == nil {
			out[i] = (*fc)[n]
		}
	}
	return nil
}
