package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// PutTouches implements store.Store. The write transaction reads where the
// stored prefix ends and inserts only the touches past it.
func (s *Store) PutTouches(ctx context.Context, doc store.DocID, touches []store.Touch) error {
	if err := sqlstore.CheckTouches(touches); err != nil {
		return fmt.Errorf("touches of %s: %w", doc, err)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, sqlstore.SelectTouchedUpTo, doc).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		fresh, err := sqlstore.UnstoredTouches(last, touches)
		if err != nil || len(fresh) == 0 {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, sqlstore.InsertTouch)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, t := range fresh {
			if _, err := stmt.ExecContext(ctx, doc, t.Ordinal, sqlstore.NonNil(t.Data)); err != nil {
				return err
			}
		}
		return nil
	})
	if isMissingParent(err) {
		return fmt.Errorf("touches of %s: %w: %w", doc, store.ErrNotFound, err)
	}
	if err != nil {
		return fmt.Errorf("touches of %s: %w", doc, err)
	}
	return nil
}

// Touches implements store.Store. Only an empty result costs a second
// query, to tell "none stored" from an unknown document.
func (s *Store) Touches(ctx context.Context, doc store.DocID, from, to int64) ([]store.Touch, error) {
	if to <= 0 {
		to = math.MaxInt64
	}
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectTouches, doc, from, to)
	if err != nil {
		return nil, fmt.Errorf("touches of %s: %w", doc, err)
	}
	touches, err := collect(rows, 0, func(r *sql.Rows) (store.Touch, error) { return sqlstore.ScanTouch(r) })
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
	err := s.r.QueryRowContext(ctx, sqlstore.SelectTouchedUpTo, doc).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("touches of %s: %w", doc, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("touches of %s: %w", doc, err)
	}
	return n, nil
}
