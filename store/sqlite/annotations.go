package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// CreateAnnotation implements store.Store. The annotation row comes
// first, so that the task's links find it.
func (s *Store) CreateAnnotation(ctx context.Context, a store.NewAnnotation) error {
	a, err := sqlstore.CheckAnnotation(a)
	if err != nil {
		return fmt.Errorf("create annotation: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, sqlstore.InsertAnnotation, a.ID, a.Review, a.Author,
			a.CreatedAt.UnixMicro(), sqlstore.Micros(a.MediaTime), int64(a.RTPTimestamp),
			sqlstore.NonNil(a.Shape), a.Text, a.Colour, sqlstore.NullWorld(a.World), a.Build, a.Tick,
			sqlstore.EncodePose(a.Camera), sqlstore.EncodeNodes(a.Nodes))
		if err != nil {
			return err
		}
		if a.Frame != nil {
			if err := insertFrame(ctx, tx, a.ID, *a.Frame); err != nil {
				return err
			}
		}
		switch {
		case a.CreateTask != nil:
			err = insertTask(ctx, tx, *a.CreateTask)
		case a.UpdateTask != nil:
			err = updateTask(ctx, tx, *a.UpdateTask)
		}
		if err != nil {
			return err
		}
		return insertEvents(ctx, tx, a.Events)
	})
	return reviewWriteErr("create annotation "+string(a.ID), err)
}

// GetAnnotation implements store.Store.
func (s *Store) GetAnnotation(ctx context.Context, id store.AnnotationID) (store.Annotation, error) {
	a, err := scanAnnotation(s.r.QueryRowContext(ctx, sqlstore.SelectAnnotation, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("annotation %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("annotation %s: %w", id, err)
	}
	return a, nil
}

// ListAnnotations implements store.Store.
func (s *Store) ListAnnotations(ctx context.Context, review store.ReviewID) ([]store.Annotation, error) {
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectAnnotations, review)
	if err != nil {
		return nil, fmt.Errorf("annotations of review %s: %w", review, err)
	}
	as, err := collect(rows, 0, func(r *sql.Rows) (store.Annotation, error) { return scanAnnotation(r) })
	if err != nil {
		return nil, fmt.Errorf("annotations of review %s: %w", review, err)
	}
	if len(as) == 0 {
		return nil, s.reviewMustExist(ctx, review)
	}
	return as, nil
}

// PutFrame implements store.Store.
func (s *Store) PutFrame(ctx context.Context, id store.AnnotationID, f store.Frame) error {
	if f.ContentType == "" {
		return fmt.Errorf("frame of annotation %s: no content type", id)
	}
	err := s.write(ctx, func(tx *sql.Tx) error { return insertFrame(ctx, tx, id, f) })
	return reviewWriteErr("frame of annotation "+string(id), err)
}

// GetFrame implements store.Store.
func (s *Store) GetFrame(ctx context.Context, id store.AnnotationID) (store.Frame, error) {
	var f store.Frame
	err := sqlstore.ScanFrame(s.r.QueryRowContext(ctx, sqlstore.SelectFrame, id), &f, micros{&f.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("frame of annotation %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("frame of annotation %s: %w", id, err)
	}
	return f, nil
}

func insertFrame(ctx context.Context, tx *sql.Tx, id store.AnnotationID, f store.Frame) error {
	_, err := tx.ExecContext(ctx, sqlstore.InsertFrame, id, f.ContentType, sqlstore.NonNil(f.Data), f.CreatedAt.UnixMicro())
	return err
}

// scanAnnotation scans an annotation row with this backend's timestamp target.
func scanAnnotation(r sqlstore.Scanner) (store.Annotation, error) {
	var a store.Annotation
	err := sqlstore.ScanAnnotation(r, &a, micros{&a.CreatedAt})
	return a, err
}
