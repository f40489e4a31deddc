package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// errStale is what a batch returns when its conditional update (on a
// version) changed no row; staleVersion tells why.
var errStale = errors.New("conditional update changed no row")

// CreateReview implements store.Store. The foreign key refuses an unknown
// world.
func (s *Store) CreateReview(ctx context.Context, r store.Review) error {
	if err := sqlstore.CheckReview(r); err != nil {
		return fmt.Errorf("create review: %w", err)
	}
	st := r.State
	_, err := s.pool.Exec(ctx, sqlstore.InsertReview, r.ID, r.Title, sqlstore.NullWorld(r.World), r.Build,
		r.CreatedAt, r.CreatedBy, st.Version, st.Paused, st.Live, sqlstore.Micros(st.MediaTime),
		int64(st.RTPTimestamp), st.Driver, sqlstore.EncodeMembers(st.Members), st.UpdatedAt, st.UpdatedBy)
	return reviewWriteErr("create review "+string(r.ID), err)
}

// GetReview implements store.Store.
func (s *Store) GetReview(ctx context.Context, id store.ReviewID) (store.Review, error) {
	var r store.Review
	err := sqlstore.ScanReview(s.pool.QueryRow(ctx, sqlstore.SelectReview, id), &r, &r.CreatedAt, &r.State.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
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
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	var out []store.Review
	for rows.Next() {
		var r store.Review
		if err := sqlstore.ScanReview(rows, &r, &r.CreatedAt, &r.State.UpdatedAt); err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	return out, nil
}

// UpdateReviewState implements store.Store: the conditional update and the
// events go to the server in one batch inside one transaction. The update
// takes the row's lock, so a concurrent writer of the same version waits
// and then finds the version gone.
func (s *Store) UpdateReviewState(ctx context.Context, id store.ReviewID, st store.ReviewState, events ...store.ReviewEvent) error {
	events, err := sqlstore.CheckReviewState(id, st, events)
	if err != nil {
		return fmt.Errorf("update review state: %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(sqlstore.UpdateReviewState, id, st.Version, st.Paused, st.Live, sqlstore.Micros(st.MediaTime),
		int64(st.RTPTimestamp), st.Driver, sqlstore.EncodeMembers(st.Members), st.UpdatedAt, st.UpdatedBy)
	queueEvents(b, events)
	err = s.runBatch(ctx, b, 0)
	if errors.Is(err, errStale) {
		err = s.staleVersion(ctx, sqlstore.SelectReviewVersion, st.Version, id)
	}
	return reviewWriteErr(fmt.Sprintf("update state of review %s", id), err)
}

// ReviewEvents implements store.Store.
func (s *Store) ReviewEvents(ctx context.Context, id store.ReviewID) ([]store.ReviewEvent, error) {
	rows, err := s.pool.Query(ctx, sqlstore.SelectReviewEvents, id)
	if err != nil {
		return nil, fmt.Errorf("events of review %s: %w", id, err)
	}
	events, err := collect(rows, 0, func(r sqlstore.Scanner) (store.ReviewEvent, error) {
		var e store.ReviewEvent
		err := sqlstore.ScanReviewEvent(r, &e, &e.At)
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
	err := s.pool.QueryRow(ctx, sqlstore.SelectReviewVersion, id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("review %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("review %s: %w", id, err)
	}
	return nil
}

// queueEvents queues the inserts of events, whose Review is filled in.
func queueEvents(b *pgx.Batch, events []store.ReviewEvent) {
	for _, e := range events {
		b.Queue(sqlstore.InsertReviewEvent, e.Review, e.Kind, e.User, e.At,
			sqlstore.Micros(e.MediaTime), sqlstore.NonNil(e.Detail))
	}
}

// runBatch sends b to the server inside one transaction. Statement cas
// (-1 for none) is a conditional update that must change a row: when it
// changes none, runBatch rolls back and returns errStale.
func (s *Store) runBatch(ctx context.Context, b *pgx.Batch, cas int) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		br := tx.SendBatch(ctx, b)
		for i := range b.Len() {
			tag, err := br.Exec()
			if err == nil && i == cas && tag.RowsAffected() == 0 {
				err = errStale
			}
			if err != nil {
				_ = br.Close()
				return err
			}
		}
		return br.Close()
	})
}

// staleVersion explains why a conditional update to version changed
// nothing: ErrNotFound when query (given args) finds no row, ErrConflict
// when it finds another version. Rows are never deleted, so reading after
// the rolled-back transaction tells the same.
func (s *Store) staleVersion(ctx context.Context, query string, version int64, args ...any) error {
	var stored int64
	err := s.pool.QueryRow(ctx, query, args...).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
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
	case sqlState(err) == uniqueViolation:
		return fmt.Errorf("%s: %w: %w", what, store.ErrExists, err)
	case sqlState(err) == foreignKeyViolation:
		return fmt.Errorf("%s: review, world, task or annotation: %w: %w", what, store.ErrNotFound, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
