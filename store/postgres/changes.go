package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

const (
	// appendChanges inserts a batch of changes, passed as one array per
	// column, if and only if the log of document $1 ends at ordinal $2.
	// Under READ COMMITTED a concurrent append of the same ordinals or hashes
	// makes it wait for that transaction and then fail with a unique
	// violation, so the guard needs no lock.
	appendChanges = `INSERT INTO changes (doc_id, ordinal, hash, deps, actor, seq, start_op,
			time, message, size, user_name, received_at, raw)
		SELECT $1, u.* FROM unnest($3::bigint[], $4::bytea[], $5::bytea[], $6::bytea[],
			$7::bigint[], $8::bigint[], $9::bigint[], $10::bytea[], $11::integer[], $12::text[],
			$13::timestamptz[], $14::bytea[]) AS u
		WHERE (SELECT COALESCE(MAX(ordinal), 0) FROM changes WHERE doc_id = $1) = $2`
	// selectOrdinals reads the changes whose ordinals are in an array.
	selectOrdinals = `SELECT ` + sqlstore.ChangeCols + ` FROM changes
		WHERE doc_id = $1 AND ordinal = ANY($2)`
)

// appendArgs returns the arguments of appendChanges for changes, which
// CheckBatch has accepted.
func appendArgs(doc store.DocID, changes []store.Change) []any {
	n := len(changes)
	var (
		ordinals, seqs, startOps, times = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		hashes, deps, actors, raws      = make([][]byte, n), make([][]byte, n), make([][]byte, n), make([][]byte, n)
		messages                        = make([][]byte, n)
		users                           = make([]string, n)
		sizes                           = make([]int32, n)
		received                        = make([]time.Time, n)
	)
	for i := range changes {
		c := &changes[i]
		ordinals[i], hashes[i], deps[i] = c.Ordinal, c.Hash[:], sqlstore.EncodeHashes(c.Deps)
		actors[i], seqs[i], startOps[i] = sqlstore.NonNil(c.Actor), int64(c.Seq), int64(c.StartOp)
		times[i], messages[i], sizes[i] = c.Time, []byte(c.Message), int32(len(c.Raw))
		users[i], received[i], raws[i] = c.User, c.ReceivedAt, sqlstore.NonNil(c.Raw)
	}
	var after int64
	if n > 0 {
		after = changes[0].Ordinal - 1
	}
	return []any{doc, after, ordinals, hashes, deps, actors, seqs, startOps, times,
		messages, sizes, users, received, raws}
}

// AppendChanges implements store.Store.
func (s *Store) AppendChanges(ctx context.Context, doc store.DocID, changes []store.Change) error {
	if len(changes) == 0 {
		return s.mustExist(ctx, doc)
	}
	if err := sqlstore.CheckBatch(doc, changes[0].Ordinal, changes); err != nil {
		return fmt.Errorf("append to %s: %w", doc, err)
	}
	tag, err := s.pool.Exec(ctx, appendChanges, appendArgs(doc, changes)...)
	switch {
	case sqlState(err) == uniqueViolation:
		return fmt.Errorf("append to %s: %w: %w", doc, store.ErrConflict, err)
	case sqlState(err) == foreignKeyViolation:
		return fmt.Errorf("append to %s: %w: %w", doc, store.ErrNotFound, err)
	case err != nil:
		return fmt.Errorf("append to %s: %w", doc, err)
	case tag.RowsAffected() == int64(len(changes)):
		return nil
	}
	// Nothing was inserted: either the document is unknown or the batch
	// does not continue its log.
	var last int64
	err = s.pool.QueryRow(ctx, sqlstore.SelectLastOrdinal, doc).Scan(&last)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("append to %s: %w", doc, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", doc, err)
	}
	return fmt.Errorf("append to %s: ordinal %d, want %d: %w", doc, changes[0].Ordinal, last+1, store.ErrConflict)
}

// ChangeIndex implements store.Store.
func (s *Store) ChangeIndex(ctx context.Context, doc store.DocID, after int64) ([]store.ChangeMeta, error) {
	lo, hi, ok, err := s.span(ctx, doc, after+1, 0)
	if !ok || err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, sqlstore.SelectChangeIndex, doc, lo-1)
	if err != nil {
		return nil, fmt.Errorf("change index of %s: %w", doc, err)
	}
	metas, err := collect(rows, int(hi-lo+1), sqlstore.ScanMeta)
	if err != nil {
		return nil, fmt.Errorf("change index of %s: %w", doc, err)
	}
	return metas, nil
}

// Changes implements store.Store.
func (s *Store) Changes(ctx context.Context, doc store.DocID, from, to int64) ([]store.Change, error) {
	lo, hi, ok, err := s.span(ctx, doc, from, to)
	if !ok || err != nil {
		return nil, err
	}
	changes, err := s.queryChanges(ctx, doc, int(hi-lo+1), sqlstore.SelectChanges, doc, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", doc, err)
	}
	return changes, nil
}

// span reads the end of doc's log (ErrNotFound if doc is unknown) and clamps
// from..to to it, as sqlstore.Span does; it tells readers how many rows to
// expect.
func (s *Store) span(ctx context.Context, doc store.DocID, from, to int64) (lo, hi int64, ok bool, err error) {
	var last int64
	err = s.pool.QueryRow(ctx, sqlstore.SelectLastOrdinal, doc).Scan(&last)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, false, fmt.Errorf("document %s: %w", doc, store.ErrNotFound)
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("document %s: %w", doc, err)
	}
	lo, hi, ok = sqlstore.Span(from, to, last)
	return lo, hi, ok, nil
}

// ChangesByOrdinal implements store.Store.
func (s *Store) ChangesByOrdinal(ctx context.Context, doc store.DocID, ordinals []int64) ([]store.Change, error) {
	if len(ordinals) == 0 {
		return nil, s.mustExist(ctx, doc)
	}
	changes, err := s.queryChanges(ctx, doc, len(ordinals), selectOrdinals, doc, ordinals)
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", doc, err)
	}
	found := make(map[int64]*store.Change, len(changes))
	for i := range changes {
		found[changes[i].Ordinal] = &changes[i]
	}
	return sqlstore.Arrange(doc, ordinals, found)
}

// queryChanges runs a query selecting sqlstore.ChangeCols of doc's changes.
// n is the number of rows expected.
func (s *Store) queryChanges(ctx context.Context, doc store.DocID, n int, query string, args ...any) ([]store.Change, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, n, func(r sqlstore.Scanner) (store.Change, error) {
		var c store.Change
		err := sqlstore.ScanChange(r, doc, &c, &c.ReceivedAt)
		return c, err
	})
}

// PutSnapshot implements store.Store.
func (s *Store) PutSnapshot(ctx context.Context, snap store.Snapshot) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sqlstore.UpsertSnapshot, snap.Doc, snap.Ordinal,
			sqlstore.EncodeHashes(snap.Heads), sqlstore.NonNil(snap.Data), snap.CreatedAt)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, sqlstore.PruneSnapshots, snap.Doc, snap.Ordinal)
		return err
	})
	if sqlState(err) == foreignKeyViolation {
		return fmt.Errorf("snapshot of %s: %w: %w", snap.Doc, store.ErrNotFound, err)
	}
	if err != nil {
		return fmt.Errorf("snapshot of %s: %w", snap.Doc, err)
	}
	return nil
}

// LatestSnapshot implements store.Store.
func (s *Store) LatestSnapshot(ctx context.Context, doc store.DocID) (store.Snapshot, error) {
	snap := store.Snapshot{Doc: doc}
	row := s.pool.QueryRow(ctx, sqlstore.SelectLatestSnapshot, doc)
	err := sqlstore.ScanSnapshot(row, &snap, &snap.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return snap, fmt.Errorf("snapshot of %s: %w", doc, store.ErrNotFound)
	}
	if err != nil {
		return snap, fmt.Errorf("snapshot of %s: %w", doc, err)
	}
	return snap, nil
}
