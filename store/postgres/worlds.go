package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// CreateWorld implements store.Store. Every insert goes to the server in one
// batch inside one transaction.
func (s *Store) CreateWorld(ctx context.Context, w store.World, docs []store.NewDocument) error {
	docs, layers, err := sqlstore.CheckWorld(w, docs)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(sqlstore.InsertWorld, w.ID, w.Name, w.Manifest, w.CreatedAt, w.CreatedBy)
	for _, d := range docs {
		b.Queue(sqlstore.InsertDocument, d.ID, d.World, d.Kind)
		if len(d.Changes) > 0 {
			b.Queue(appendChanges, appendArgs(d.ID, d.Changes)...)
		}
	}
	for _, l := range layers {
		b.Queue(sqlstore.InsertLayer, l.ID, l.World, l.Name, l.Doc, l.Position)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if sqlState(err) == uniqueViolation {
		return fmt.Errorf("create world %s: %w: %w", w.ID, store.ErrExists, err)
	}
	if err != nil {
		return fmt.Errorf("create world %s: %w", w.ID, err)
	}
	return nil
}

// GetWorld implements store.Store.
func (s *Store) GetWorld(ctx context.Context, id store.WorldID) (store.World, error) {
	var w store.World
	err := sqlstore.ScanWorld(s.pool.QueryRow(ctx, sqlstore.SelectWorld, id), &w, &w.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return w, fmt.Errorf("world %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("world %s: %w", id, err)
	}
	rows, err := s.pool.Query(ctx, sqlstore.SelectWorldLayers, id)
	if err != nil {
		return w, fmt.Errorf("world %s layers: %w", id, err)
	}
	if w.Layers, err = collect(rows, 0, sqlstore.ScanLayer); err != nil {
		return w, fmt.Errorf("world %s layers: %w", id, err)
	}
	return w, nil
}

// ListWorlds implements store.Store.
func (s *Store) ListWorlds(ctx context.Context) ([]store.World, error) {
	rows, err := s.pool.Query(ctx, sqlstore.SelectWorlds)
	if err != nil {
		return nil, fmt.Errorf("list worlds: %w", err)
	}
	worlds, err := collect(rows, 0, func(r sqlstore.Scanner) (store.World, error) {
		var w store.World
		err := sqlstore.ScanWorld(r, &w, &w.CreatedAt)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("list worlds: %w", err)
	}
	// Layers are read after worlds: a world created in between has its
	// layers ignored, and every listed world's layers are already committed.
	if rows, err = s.pool.Query(ctx, sqlstore.SelectLayers); err != nil {
		return nil, fmt.Errorf("list worlds: layers: %w", err)
	}
	layers, err := collect(rows, 0, sqlstore.ScanLayer)
	if err != nil {
		return nil, fmt.Errorf("list worlds: layers: %w", err)
	}
	sqlstore.AttachLayers(worlds, layers)
	return worlds, nil
}

// GetDocument implements store.Store.
func (s *Store) GetDocument(ctx context.Context, id store.DocID) (store.Document, error) {
	d, err := sqlstore.ScanDocument(s.pool.QueryRow(ctx, sqlstore.SelectDocument, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("document %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("document %s: %w", id, err)
	}
	return d, nil
}
