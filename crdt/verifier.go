package crdt

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/automerge/automerge-go"

	"atelier/store"
)

// verify applies a change to the document's automerge-go materialization,
// loading it from the store (plus the batch's staged changes) if it is not
// resident. automerge refusing the change is the error.
func (d *Document) verify(raw []byte) error {
	if d.hub.cfg.DisableVerify {
		return nil
	}
	if err := d.loadVerifier(); err != nil {
		return err
	}
	if err := d.verifier.LoadIncremental(raw); err != nil {
		d.dropVerifier() // its state is unknown now; reload next time
		return err
	}
	return nil
}

// loadVerifier makes the document's automerge-go materialization
// resident: the committed state plus the batch's staged changes.
func (d *Document) loadVerifier() error {
	if d.verifier != nil {
		return nil
	}
	doc, _, err := loadDoc(context.Background(), d.hub.st, d.id, 0)
	if err != nil {
		return fmt.Errorf("%w: load for verification: %w", ErrStorage, err)
	}
	for _, c := range d.batch.staged {
		if err := doc.LoadIncremental(c.Raw); err != nil {
			return fmt.Errorf("%w: replay staged change: %w", ErrStorage, err)
		}
	}
	d.verifier = doc
	d.hub.stats.Verifiers.Add(1)
	return nil
}

// dropVerifier forgets the automerge-go materialization (the compactor may
// still hold it; its memory is released once no one does).
func (d *Document) dropVerifier() {
	if d.verifier == nil {
		return
	}
	d.verifier = nil
	d.hub.stats.Verifiers.Add(-1)
	d.hub.released()
}

// loadDoc materializes a document from the store: the latest snapshot, then
// every change after it up to ordinal upTo (0: all). It returns the document
// and the ordinal it reflects.
func loadDoc(ctx context.Context, st store.Store, id store.DocID, upTo int64) (*automerge.Doc, int64, error) {
	doc := automerge.New()
	from := int64(1)
	snap, err := st.LatestSnapshot(ctx, id)
	switch {
	case err == nil && (upTo <= 0 || snap.Ordinal <= upTo):
		if doc, err = automerge.Load(snap.Data); err != nil {
			return nil, 0, fmt.Errorf("load snapshot at %d: %w", snap.Ordinal, err)
		}
		from = snap.Ordinal + 1
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return nil, 0, err
	}
	chs, err := st.Changes(ctx, id, from, upTo)
	if err != nil {
		return nil, 0, err
	}
	if len(chs) == 0 {
		return doc, from - 1, nil
	}
	size := 0
	for _, c := range chs {
		size += len(c.Raw)
	}
	all := make([]byte, 0, size)
	for _, c := range chs {
		all = append(all, c.Raw...)
	}
	if err := doc.LoadIncremental(all); err != nil {
		return nil, 0, fmt.Errorf("replay %d changes: %w", len(chs), err)
	}
	return doc, chs[len(chs)-1].Ordinal, nil
}

// maybeCompact snapshots a document that is written continuously (its
// verifier never idles) once its backlog since the last snapshot is both
// large and a good fraction of its history, so the cost of snapshotting,
// O(document), stays O(1) per change. Quiet documents are snapshotted for
// free when their verifier is dropped (compactIdle).
func (d *Document) maybeCompact() {
	since := int64(d.g.Len()) - d.snapshotAt
	if d.compacting || since < int64(10*d.hub.cfg.SnapshotEvery) || since < int64(d.g.Len()/2) {
		return
	}
	d.compacting = d.hub.requestCompaction(compactionJob{id: d.id})
}

// compactIdle hands the verifier, which holds exactly the committed
// document, to the compactor when enough changes arrived since the last
// snapshot. It reports whether the compactor took it.
func (d *Document) compactIdle() bool {
	if d.compacting || d.verifier == nil || int64(d.g.Len())-d.snapshotAt < int64(d.hub.cfg.SnapshotEvery) {
		return false
	}
	d.compacting = d.hub.requestCompaction(compactionJob{id: d.id, doc: d.verifier, ordinal: int64(d.g.Len())})
	return d.compacting
}

// compactionJob asks for a snapshot of a document: of doc at ordinal if
// given (the compactor then owns doc), else of the store's committed state.
type compactionJob struct {
	id      store.DocID
	doc     *automerge.Doc
	ordinal int64
}

// compact writes a snapshot. It runs on the hub's compactor goroutine,
// never on a document loop.
func compact(ctx context.Context, st store.Store, job compactionJob) (int64, error) {
	doc, ordinal := job.doc, job.ordinal
	if doc == nil {
		var err error
		if doc, ordinal, err = loadDoc(ctx, st, job.id, 0); err != nil {
			return 0, err
		}
	}
	heads := doc.Heads()
	hs := make([]store.ChangeHash, len(heads))
	for i, h := range heads {
		hs[i] = store.ChangeHash(h)
	}
	snap := store.Snapshot{Doc: job.id, Ordinal: ordinal, Heads: hs, Data: doc.Save(), CreatedAt: time.Now().UTC()}
	return ordinal, st.PutSnapshot(ctx, snap)
}
