package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

const (
	insertChange = `INSERT INTO changes (doc_id, ordinal, hash, deps, actor, seq, start_op,
		time, message, size, user_name, received_at, raw)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	// selectOrdinals reads the changes whose ordinals are in a JSON array.
	selectOrdinals = `SELECT ` + sqlstore.ChangeCols + ` FROM changes
		WHERE doc_id = $1 AND ordinal IN (SELECT value FROM json_each($2))`
)

// AppendChanges implements store.Store.
func (s *Store) AppendChanges(ctx context.Context, doc store.DocID, changes []store.Change) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, sqlstore.SelectLastOrdinal, doc).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := sqlstore.CheckBatch(doc, last+1, changes); err != nil {
			return err
		}
		return insertChanges(ctx, tx, doc, changes)
	})
	if isDuplicate(err) {
		return fmt.Errorf("append to %s: %w: %w", doc, store.ErrConflict, err)
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", doc, err)
	}
	return nil
}

// insertChanges inserts changes into doc's log, one prepared statement
// execution per row: SQLite has no round trip to save, so a multi-row
// statement buys little.
func insertChanges(ctx context.Context, tx *sql.Tx, doc store.DocID, changes []store.Change) error {
	if len(changes) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, insertChange)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range changes {
		c := &changes[i]
		_, err := stmt.ExecContext(ctx, doc, c.Ordinal, c.Hash[:], sqlstore.EncodeHashes(c.Deps),
			sqlstore.NonNil(c.Actor), int64(c.Seq), int64(c.StartOp), c.Time, c.Message,
			len(c.Raw), c.User, c.ReceivedAt.UnixMicro(), sqlstore.NonNil(c.Raw))
		if err != nil {
			return err
		}
	}
	return nil
}

// ChangeIndex implements store.Store.
func (s *Store) ChangeIndex(ctx context.Context, doc store.DocID, after int64) ([]store.ChangeMeta, error) {
	lo, hi, ok, err := s.span(ctx, doc, after+1, 0)
	if !ok || err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectChangeIndex, doc, lo-1)
	if err != nil {
		return nil, fmt.Errorf("change index of %s: %w", doc, err)
	}
	metas, err := collect(rows, int(hi-lo+1), func(r *sql.Rows) (store.ChangeMeta, error) { return sqlstore.ScanMeta(r) })
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
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectChanges, doc, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", doc, err)
	}
	changes, err := collect(rows, int(hi-lo+1), func(r *sql.Rows) (store.Change, error) { return scanChange(r, doc) })
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
	err = s.r.QueryRowContext(ctx, sqlstore.SelectLastOrdinal, doc).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
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
	list := []byte{'['}
	for i, o := range ordinals {
		if i > 0 {
			list = append(list, ',')
		}
		list = strconv.AppendInt(list, o, 10)
	}
	list = append(list, ']')
	rows, err := s.r.QueryContext(ctx, selectOrdinals, doc, string(list))
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", doc, err)
	}
	changes, err := collect(rows, len(ordinals), func(r *sql.Rows) (store.Change, error) { return scanChange(r, doc) })
	if err != nil {
		return nil, fmt.Errorf("changes of %s: %w", doc, err)
	}
	found := make(map[int64]*store.Change, len(changes))
	for i := range changes {
		found[changes[i].Ordinal] = &changes[i]
	}
	return sqlstore.Arrange(doc, ordinals, found)
}

// PutSnapshot implements store.Store.
func (s *Store) PutSnapshot(ctx context.Context, snap store.Snapshot) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, sqlstore.UpsertSnapshot, snap.Doc, snap.Ordinal,
			sqlstore.EncodeHashes(snap.Heads), sqlstore.NonNil(snap.Data), snap.CreatedAt.UnixMicro())
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqlstore.PruneSnapshots, snap.Doc, snap.Ordinal)
		return err
	})
	if isMissingParent(err) {
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
	row := s.r.QueryRowContext(ctx, sqlstore.SelectLatestSnapshot, doc)
	err := sqlstore.ScanSnapshot(row, &snap, micros{&snap.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return snap, fmt.Errorf("snapshot of %s: %w", doc, store.ErrNotFound)
	}
	if err != nil {
		return snap, fmt.Errorf("snapshot of %s: %w", doc, err)
	}
	return snap, nil
}

func scanChange(r *sql.Rows, doc store.DocID) (store.Change, error) {
	var c store.Change
	err := sqlstore.ScanChange(r, doc, &c, micros{&c.ReceivedAt})
	return c, err
}
