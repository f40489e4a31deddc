package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// CreateReview implements store.Store. The foreign key refuses an unknown
// world.
func (s *Store) CreateReview(ctx context.Context, r store.Review) error {
	if err := sqlstore.CheckReview(r); err != nil {
		return fmt.Errorf("create review: %w", err)
	}
	st := r.State
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, sqlstore.InsertReview, r.ID, r.Title, sqlstore.NullWorld(r.World), r.Build,
			r.CreatedAt.UnixMicro(), r.CreatedBy, st.Version, st.Paused, st.Live, sqlstore.Micros(st.MediaTime),
			int64(st.RTPTimestamp), st.Driver, sqlstore.EncodeMembers(st.Members), st.UpdatedAt.UnixMicro(), st.UpdatedBy)
		return err
	})
	return reviewWriteErr("create review "+string(r.ID), err)
}

// GetReview implements store.Store.
func (s *Store) GetReview(ctx context.Context, id store.ReviewID) (store.Review, error) {
	var r store.Review
	err := sqlstore.ScanReview(s.r.QueryRowContext(ctx, sqlstore.SelectReview, id), &r,
		micros{&r.CreatedAt}, micros{&r.State.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("review %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("review %s: %w", id, err)
	}
	return r, nil
}

// ListReviews implements store.Store.
func (s *Store) ListReviews(ctx context.Context, f store.ReviewFilter) ([]store.Review, error) {
	query, args := sqlstore.ReviewsQuery(f)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	var out []store.Review
	for rows.Next() {
		var r store.Review
		if err := sqlstore.ScanReview(rows, &r, micros{&r.CreatedAt}, micros{&r.State.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	return out, nil
}

// UpdateReviewState implements store.Store. The write transaction holds
// the database's write lock, so the version it checks is the latest.
func (s *Store) UpdateReviewState(ctx context.Context, id store.ReviewID, st store.ReviewState, events ...store.ReviewEvent) error {
	events, err := sqlstore.CheckReviewState(id, st, events)
	if err != nil {
		return fmt.Errorf("update review state: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlstore.UpdateReviewState, id, st.Version, st.Paused, st.Live,
			sqlstore.Micros(st.MediaTime), int64(st.RTPTimestamp), st.Driver, sqlstore.EncodeMembers(st.Members),
			st.UpdatedAt.UnixMicro(), st.UpdatedBy)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return staleVersion(ctx, tx, sqlstore.SelectReviewVersion, st.Version, id)
		}
		return insertEvents(ctx, tx, events)
	})
	return reviewWriteErr(fmt.Sprintf("update state of review %s", id), err)
}

// ReviewEvents implements store.Store.
func (s *Store) ReviewEvents(ctx context.Context, id store.ReviewID) ([]store.ReviewEvent, error) {
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectReviewEvents, id)
	if err != nil {
		return nil, fmt.Errorf("events of review %s: %w", id, err)
	}
	events, err := collect(rows, 0, func(r *sql.Rows) (store.ReviewEvent, error) {
		var e store.ReviewEvent
		err := sqlstore.ScanReviewEvent(r, &e, micros{&e.At})
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("events of review %s: %w", id, err)
	}
	if len(events) == 0 {
		return nil, s.reviewMustExist(ctx, id)
	}
	return events, nil
}

// reviewMustExist returns ErrNotFound unless review id exists.
func (s *Store) reviewMustExist(ctx context.Context, id store.ReviewID) error {
	var v int64
	err := s.r.QueryRowContext(ctx, sqlstore.SelectReviewVersion, id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("review %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("review %s: %w", id, err)
	}
	return nil
}

// insertEvents appends events, whose Review is filled in, to their log.
func insertEvents(ctx context.Context, tx *sql.Tx, events []store.ReviewEvent) error {
	for _, e := range events {
		_, err := tx.ExecContext(ctx, sqlstore.InsertReviewEvent, e.Review, e.Kind, e.User,
			e.At.UnixMicro(), sqlstore.Micros(e.MediaTime), sqlstore.NonNil(e.Detail))
		if err != nil {
			return err
		}
	}
	return nil
}

// staleVersion explains why a conditional update of a row to version
// changed nothing: ErrNotFound when query (given args) finds no row,
// ErrConflict when it finds another version.
func staleVersion(ctx context.Context, tx *sql.Tx, query string, version int64, args ...any) error {
	var stored int64
	err := tx.QueryRowContext(ctx, query, args...).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("version %d does not follow the stored %d: %w", version, stored, store.ErrConflict)
}

// reviewWriteErr maps a review write's error to the store's: a taken id
// is ErrExists, a missing row a foreign key names ErrNotFound.
func reviewWriteErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case isDuplicate(err):
		return fmt.Errorf("%s: %w: %w", what, store.ErrExists, err)
	case isMissingParent(err):
		return fmt.Errorf("%s: review, world, task or annotation: %w: %w", what, store.ErrNotFound, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
