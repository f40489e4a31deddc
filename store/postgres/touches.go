package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// putTouches inserts a run of touches, passed as one array per column, if
// and only if document $1's stored touches reach ordinal $2 (the run's
// first minus one), skipping those already stored. Every writer needs the
// prefix before its run committed, so the committed touches stay a prefix
// without a lock; a writer racing another over the same ordinals waits for
// it and skips them.
const putTouches = `INSERT INTO touches (doc_id, ordinal, data)
	SELECT $1, u.* FROM unnest($3::bigint[], $4::bytea[]) AS u
	WHERE (SELECT COALESCE(MAX(ordinal), 0) FROM touches WHERE doc_id = $1) >= $2
	ON CONFLICT (doc_id, ordinal) DO NOTHING`

// PutTouches implements store.Store in one statement; only a write that
// inserted fewer rows than it was given reads the prefix's end, to tell
// touches already stored from a gap or an unknown document.
func (s *Store) PutTouches(ctx context.Context, doc store.DocID, touches []store.Touch) error {
	if err := sqlstore.CheckTouches(touches); err != nil {
		return fmt.Errorf("touches of %s: %w", doc, err)
	}
	if len(touches) == 0 {
		return s.mustExist(ctx, doc)
	}
	ordinals, data := make([]int64, len(touches)), make([][]byte, len(touches))
	for i, t := range touches {
		ordinals[i], data[i] = t.Ordinal, sqlstore.NonNil(t.Data)
	}
	tag, err := s.pool.Exec(ctx, putTouches, doc, touches[0].Ordinal-1, ordinals, data)
	switch {
	case sqlState(err) == foreignKeyViolation:
		return fmt.Errorf("touches of %s: %w: %w", doc, store.ErrNotFound, err)
	case err != nil:
		return fmt.Errorf("touches of %s: %w", doc, err)
	case tag.RowsAffected() == int64(len(touches)):
		return nil
	}
	last, err := s.TouchedUpTo(ctx, doc)
	switch {
	case err != nil:
		return err
	case last >= touches[len(touches)-1].Ordinal:
		return nil // stored already, by an earlier or a concurrent writer
	}
	// The guard failed: the prefix ended before the run when the statement
	// began (it may have grown since, but nothing of the run was written).
	return fmt.Errorf("touches of %s from ordinal %d, stored up to %d: %w", doc, touches[0].Ordinal, last, store.ErrConflict)
}

// Touches implements store.Store. Only an empty result costs a second
// query, to tell "none stored" from an unknown document.
func (s *Store) Touches(ctx context.Context, doc store.DocID, from, to int64) ([]store.Touch, error) {
	if to <= 0 {
		to = math.MaxInt64
	}
	rows, err := s.pool.Query(ctx, sqlstore.SelectTouches, doc, from, to)
	if err != nil {
		return nil, fmt.Errorf("touches of %s: %w", doc, err)
	}
	touches, err := collect(rows, 0, sqlstore.ScanTouch)
	if err != nil {
		return nil, fmt.Errorf("touches of %s: %w", doc, err)
	}
	if len(touches) == 0 {
		return nil, s.mustExist(ctx, doc)
	}
	return touches, nil
}

// TouchedUpTo implements store.Store.
func (s *Store) TouchedUpTo(ctx context.Context, doc store.DocID) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, sqlstore.SelectTouchedUpTo, doc).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("touches of %s: %w", doc, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("touches of %s: %w", doc, err)
	}
	return n, nil
}
