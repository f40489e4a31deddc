package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// ChangeLog implements store.Store. The page is one backward walk of the
// primary key; only an empty page costs a second query, to tell an empty
// log from an unknown document.
func (s *Store) ChangeLog(ctx context.Context, doc store.DocID, before int64, limit int) ([]store.Change, error) {
	below, n, expect, err := sqlstore.LogPage(before, limit)
	if err != nil {
		return nil, fmt.Errorf("change log of %s: %w", doc, err)
	}
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectChangeLog, doc, below, n)
	if err != nil {
		return nil, fmt.Errorf("change log of %s: %w", doc, err)
	}
	changes, err := collect(rows, expect, func(r *sql.Rows) (store.Change, error) { return scanChange(r, doc) })
	if err != nil {
		return nil, fmt.Errorf("change log of %s: %w", doc, err)
	}
	if len(changes) == 0 {
		return nil, s.mustExist(ctx, doc)
	}
	return changes, nil
}

// ChangeByHash implements store.Store.
func (s *Store) ChangeByHash(ctx context.Context, doc store.DocID, h store.ChangeHash) (store.Change, error) {
	var c store.Change
	row := s.r.QueryRowContext(ctx, sqlstore.SelectChangeByHash, doc, h[:])
	err := sqlstore.ScanChange(row, doc, &c, micros{&c.ReceivedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("change %s of %s: %w", h, doc, store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("change %s of %s: %w", h, doc, err)
	}
	return c, nil
}

// OrdinalAt implements store.Store.
func (s *Store) OrdinalAt(ctx context.Context, doc store.DocID, t time.Time) (int64, error) {
	var o int64
	err := s.r.QueryRowContext(ctx, sqlstore.SelectOrdinalAt, doc, t.UnixMicro()).Scan(&o)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("ordinal of %s at %v: %w", doc, t, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("ordinal of %s at %v: %w", doc, t, err)
	}
	return o, nil
}
