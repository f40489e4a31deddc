package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"atelier/store"
)

const (
	// maxQueuedDocs bounds the documents waiting to be indexed; a document
	// refused when the queue is full is indexed by its next commit, or
	// when its history is asked for.
	maxQueuedDocs = 4096
	// maxWaitFactor × the quiet period is the longest a document written
	// without pause waits to be indexed.
	maxWaitFactor = 10
	// flushTimeout bounds the indexing of the queue at shutdown.
	flushTimeout = 5 * time.Second
)

// touchIndexer stores the touches of documents' new changes in the
// background, so that the first history request for them (after a restart
// too) reads them from the store instead of replaying the log. A document
// is queued when it commits changes, and indexed once it has been quiet
// for a while (a burst of edits is indexed once) or has waited too long;
// it is queued to be indexed at once when a request made its tracker
// compute touches the store lacks. One goroutine works through the queue,
// one document at a time.
type touchIndexer struct {
	ti    *touchIndex
	log   *slog.Logger
	quiet time.Duration

	mu    sync.Mutex
	queue map[store.DocID]*queuedDoc
	wake  chan struct{} // holds a token when the queue changed
}

// queuedDoc is a document waiting to be indexed up to ordinal.
type queuedDoc struct {
	ordinal  int64
	due      time.Time // when it has been quiet long enough
	deadline time.Time // when it has waited long enough
}

func newTouchIndexer(ti *touchIndex, log *slog.Logger, quiet time.Duration) *touchIndexer {
	return &touchIndexer{ti: ti, log: log, quiet: quiet, queue: map[store.DocID]*queuedDoc{}, wake: make(chan struct{}, 1)}
}

// committed queues doc, whose log now ends at ordinal, to be indexed once
// it has been quiet. It never blocks.
func (ix *touchIndexer) committed(doc store.DocID, ordinal int64) {
	ix.enqueue(doc, ordinal, ix.quiet)
}

// computed queues doc to have the touches of its changes up to ordinal,
// which its tracker has computed, stored at once. It never blocks.
func (ix *touchIndexer) computed(doc store.DocID, ordinal int64) {
	ix.enqueue(doc, ordinal, 0)
}

func (ix *touchIndexer) enqueue(doc store.DocID, ordinal int64, after time.Duration) {
	ix.enqueueAt(doc, ordinal, after, time.Now())
}

// enqueueAt queues doc to be indexed up to ordinal once it has gone
// `after` without being queued again (now being the time of this call),
// and at the latest maxWaitFactor × after from its first queueing.
func (ix *touchIndexer) enqueueAt(doc store.DocID, ordinal int64, after time.Duration, now time.Time) {
	ix.mu.Lock()
	q := ix.queue[doc]
	if q == nil {
		if len(ix.queue) >= maxQueuedDocs {
			ix.mu.Unlock()
			return
		}
		q = &queuedDoc{deadline: now.Add(maxWaitFactor * after)}
		ix.queue[doc] = q
	}
	q.ordinal, q.due = max(q.ordinal, ordinal), now.Add(after)
	q.deadline = earlier(q.deadline, now.Add(maxWaitFactor*after))
	ix.mu.Unlock()
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// next removes and returns a document whose time has come, or returns how
// long to wait for one (0: the queue is empty).
func (ix *touchIndexer) next(now time.Time) (store.DocID, int64, time.Duration) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var wait time.Duration
	for doc, q := range ix.queue {
		at := earlier(q.due, q.deadline)
		if !at.After(now) {
			delete(ix.queue, doc)
			return doc, q.ordinal, 0
		}
		if d := at.Sub(now); wait == 0 || d < wait {
			wait = d
		}
	}
	return "", 0, wait
}

// run indexes queued documents until ctx ends, then indexes what is still
// queued, for at most flushTimeout.
func (ix *touchIndexer) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		doc, ordinal, wait := ix.next(time.Now())
		if doc != "" {
			ix.index(ctx, doc, ordinal)
			continue
		}
		if wait == 0 {
			wait = time.Hour
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
		case <-ix.wake:
		case <-timer.C:
		}
	}
	ix.flush(ctx)
}

// flush indexes every queued document now, giving up after flushTimeout.
func (ix *touchIndexer) flush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	for ctx.Err() == nil {
		doc, ordinal := ix.take()
		if doc == "" {
			return
		}
		ix.index(ctx, doc, ordinal)
	}
}

// take removes and returns any queued document, or "" when none is.
func (ix *touchIndexer) take() (store.DocID, int64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for doc, q := range ix.queue {
		delete(ix.queue, doc)
		return doc, q.ordinal
	}
	return "", 0
}

// index stores doc's touches up to ordinal. A failure is only logged: the
// timeline still works without them, from the tracker, and the document's
// next commit or history request queues it again.
func (ix *touchIndexer) index(ctx context.Context, doc store.DocID, ordinal int64) {
	start := time.Now()
	if err := ix.ti.save(ctx, doc, ordinal); err != nil {
		if ctx.Err() != nil {
			ix.enqueue(doc, ordinal, 0) // stopped, not failed: left for the flush
			return
		}
		ix.log.Warn("store history touches", "doc", string(doc), "ordinal", ordinal, "err", err)
		return
	}
	ix.log.Debug("history touches stored", "doc", string(doc), "ordinal", ordinal, "took", time.Since(start))
}

// earlier returns the earlier of a and b.
func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
