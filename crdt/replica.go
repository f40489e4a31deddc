package crdt

import (
	"context"
	"fmt"

	"atelier/crdt/format"
	"atelier/crdt/history"
	"atelier/store"
)

// replayChunk is how many changes ReplicaAt reads from the store per query.
const replayChunk = 5000

// ReplicaAt replays a document's log up to ordinal upTo (0: all of it)
// into a Go replica (history.Replica); with heads, only the changes that
// are those heads or their ancestors: the document at a version. It reads
// old versions several times faster than materializing them with
// automerge-go and never touches the document's loop. ErrNotFound (from
// the store) if a head is not in the log up to upTo.
func (h *Hub) ReplicaAt(ctx context.Context, id store.DocID, upTo int64, heads []Hash) (*history.Replica, error) {
	r := history.NewReplica()
	if len(heads) == 0 {
		return r, h.Replay(ctx, id, r, 1, upTo)
	}
	var kept []*format.Change // every change up to upTo, to select the heads' ancestors
	err := h.readLog(ctx, id, 1, upTo, func(c *format.Change) error {
		kept = append(kept, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sel, err := ancestors(kept, heads)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", id, err)
	}
	for _, fc := range sel {
		if err := r.Apply(fc); err != nil {
			return nil, fmt.Errorf("replay %s: change %s: %w", id, fc.Hash, err)
		}
	}
	return r, nil
}

// Replay applies the changes of a document's log with ordinals from..to
// (to <= 0: to the end) to r, which must hold exactly the changes before
// from: it advances a replica as the log grows.
func (h *Hub) Replay(ctx context.Context, id store.DocID, r *history.Replica, from, to int64) error {
	if int64(r.Len()) != from-1 {
		return fmt.Errorf("replay %s from %d: the replica holds %d changes", id, from, r.Len())
	}
	return h.readLog(ctx, id, from, to, func(c *format.Change) error {
		if err := r.Apply(c); err != nil {
			return fmt.Errorf("replay %s: change %s: %w", id, c.Hash, err)
		}
		return nil
	})
}

// readLog parses the changes with ordinals from..to (to <= 0: to the end)
// in order, a chunk at a time, and hands each to fn.
func (h *Hub) readLog(ctx context.Context, id store.DocID, from, to int64, fn func(*format.Change) error) error {
	for to <= 0 || from <= to {
		end := from + replayChunk - 1
		if to > 0 {
			end = min(end, to)
		}
		chs, err := h.st.Changes(ctx, id, from, end)
		if err != nil {
			return err
		}
		for _, c := range chs {
			fc, _, err := format.ParseChange(c.Raw)
			if err != nil {
				return fmt.Errorf("replay %s: change %d: %w", id, c.Ordinal, err)
			}
			if err := fn(fc); err != nil {
				return err
			}
		}
		if int64(len(chs)) < end-from+1 {
			return nil // the end of the log
		}
		from = end + 1
	}
	return nil
}

// ancestors returns the changes of log (in a causal order) that are heads
// or their ancestors, in log order; ErrNotFound if a head is not in log.
func ancestors(log []*format.Change, heads []Hash) ([]*format.Change, error) {
	at := make(map[Hash]int, len(log))
	for i, c := range log {
		at[c.Hash] = i
	}
	keep := make([]bool, len(log))
	stack := make([]int, 0, len(heads))
	for _, h := range heads {
		i, ok := at[h]
		if !ok {
			return nil, fmt.Errorf("head %s: %w", h, store.ErrNotFound)
		}
		stack = append(stack, i)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if keep[i] {
			continue
		}
		keep[i] = true
		for _, d := range log[i].Deps {
			if j, ok := at[d]; ok && !keep[j] {
				stack = append(stack, j)
			}
		}
	}
	out := make([]*format.Change, 0, len(log))
	for i, c := range log {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out, nil
}
