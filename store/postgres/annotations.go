package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// CreateAnnotation implements store.Store: every statement goes to the
// server in one batch inside one transaction, the annotation row first so
// that the task's links find it.
func (s *Store) CreateAnnotation(ctx context.Context, a store.NewAnnotation) error {
	a, err := sqlstore.CheckAnnotation(a)
	if err != nil {
		return fmt.Errorf("create annotation: %w", err)
	}
	b := &pgx.Batch{}
	b.Queue(sqlstore.InsertAnnotation, a.ID, a.Review, a.Author, a.CreatedAt, sqlstore.Micros(a.MediaTime),
		int64(a.RTPTimestamp), sqlstore.NonNil(a.Shape), a.Text, a.Colour, sqlstore.NullWorld(a.World),
		a.Build, a.Tick, sqlstore.EncodePose(a.Camera), sqlstore.EncodeNodes(a.Nodes))
	if a.Frame != nil {
		queueFrame(b, a.ID, *a.Frame)
	}
	cas := -1
	switch {
	case a.CreateTask != nil:
		queueInsertTask(b, *a.CreateTask)
	case a.UpdateTask != nil:
		cas = b.Len()
		queueUpdateTask(b, *a.UpdateTask)
	}
	queueEvents(b, a.Events)
	err = s.runBatch(ctx, b, cas)
	if errors.Is(err, errStale) {
		t := a.UpdateTask
		err = s.staleVersion(ctx, sqlstore.SelectTaskVersion, t.Version, t.ID, t.Review)
	}
	return reviewWriteErr("create annotation "+string(a.ID), err)
}

// GetAnnotation implements store.Store.
func (s *Store) GetAnnotation(ctx context.Context, id store.AnnotationID) (store.Annotation, error) {
	a, err := scanAnnotation(s.pool.QueryRow(ctx, sqlstore.SelectAnnotation, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("annotation %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("annotation %s: %w", id, err)
	}
	return a, nil
}

// ListAnnotations implements store.Store.
func (s *Store) ListAnnotations(ctx context.Context, review store.ReviewID) ([]store.Annotation, error) {
	rows, err := s.pool.Query(ctx, sqlstore.SelectAnnotations, review)
	if err != nil {
		return nil, fmt.Errorf("annotations of review %s: %w", review, err)
	}
	as, err := collect(rows, 0, scanAnnotation)
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
	_, err := s.pool.Exec(ctx, sqlstore.InsertFrame, id, f.ContentType, sqlstore.NonNil(f.Data), f.CreatedAt)
	return reviewWriteErr("frame of annotation "+string(id), err)
}

// GetFrame implements store.Store.
func (s *Store) GetFrame(ctx context.Context, id store.AnnotationID) (store.Frame, error) {
	var f store.Frame
	err := sqlstore.ScanFrame(s.pool.QueryRow(ctx, sqlstore.SelectFrame, id), &f, &f.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, fmt.Errorf("frame of annotation %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("frame of annotation %s: %w", id, err)
	}
	return f, nil
}

func queueFrame(b *pgx.Batch, id store.AnnotationID, f store.Frame) {
	b.Queue(sqlstore.InsertFrame, id, f.ContentType, sqlstore.NonNil(f.Data), f.CreatedAt)
}

// scanAnnotation scans an annotation row.
func scanAnnotation(r sqlstore.Scanner) (store.Annotation, error) {
	var a store.Annotation
	err := sqlstore.ScanAnnotation(r, &a, &a.CreatedAt)
	return a, err
}
