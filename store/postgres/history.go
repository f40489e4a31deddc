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

// ChangeLog implements store.Store. The page is one backward walk of the
// primary key; only an empty page costs a second query, to tell an empty
// log from an unknown document.
func (s *Store) ChangeLog(ctx context.Context, doc store.DocID, before int64, limit int) ([]store.Change, error) {
	below, n, expect, err := sqlstore.LogPage(before, limit)
	if err != nil {
		return nil, fmt.Errorf("change log of %s: %w", doc, err)
	}
	changes, err := s.queryChanges(ctx, doc, expect, sqlstore.SelectChangeLog, doc, below, n)
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
	row := s.pool.QueryRow(ctx, sqlstore.SelectChangeByHash, doc, h[:])
	err := sqlstore.ScanChange(row, doc, &c, &c.ReceivedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("change %s of %s: %w", h, doc, store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("change %s of %s: %w", h, doc, err)
	}
	return c, nil
}

// OrdinalAt implements store.Store. The query goes unprepared, so that it is
// planned for t: a cached generic plan walks the whole log backwards for a
// t near its start, where a plan for t ranges over the received_at index.
func (s *Store) OrdinalAt(ctx context.Context, doc store.DocID, t time.Time) (int64, error) {
	var o int64
	err := s.pool.QueryRow(ctx, sqlstore.SelectOrdinalAt, pgx.QueryExecModeExec, doc, t).Scan(&o)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("ordinal of %s at %v: %w", doc, t, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("ordinal of %s at %v: %w", doc, t, err)
	}
	return o, nil
}
