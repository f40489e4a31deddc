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
// batch inside one transaction. The foreign key on parent_world refuses an
// unknown parent, the unique index worlds_parent_branch a taken branch name;
// the transaction then writes nothing.
func (s *Store) CreateWorld(ctx context.Context, w store.World, docs []store.NewDocument) error {
	docs, layers, err := sqlstore.CheckWorld(w, docs)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(sqlstore.InsertWorld, w.ID, w.Name, w.Manifest, w.CreatedAt, w.CreatedBy,
		sqlstore.NullParent(w), w.Branch, orNull(w.ForkedAt))
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
	switch sqlState(err) {
	case uniqueViolation:
		return fmt.Errorf("create world %s: %w: %w", w.ID, store.ErrExists, err)
	case foreignKeyViolation:
		return fmt.Errorf("create world %s: parent world %s: %w: %w", w.ID, w.Parent, store.ErrNotFound, err)
	}
	if err != nil {
		return fmt.Errorf("create world %s: %w", w.ID, err)
	}
	return nil
}

// GetWorld implements store.Store.
func (s *Store) GetWorld(ctx context.Context, id store.WorldID) (store.World, error) {
	w, err := scanWorld(s.pool.QueryRow(ctx, sqlstore.SelectWorld, id))
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

// RenameWorld implements store.Store.
func (s *Store) RenameWorld(ctx context.Context, id store.WorldID, name string) error {
	tag, err := s.pool.Exec(ctx, sqlstore.UpdateWorldName, id, name)
	if err == nil && tag.RowsAffected() == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("rename world %s: %w", id, err)
	}
	return nil
}

// ListWorlds implements store.Store.
func (s *Store) ListWorlds(ctx context.Context) ([]store.World, error) {
	worlds, err := s.worldsWithLayers(ctx, sqlstore.SelectWorlds, sqlstore.SelectLayers)
	if err != nil {
		return nil, fmt.Errorf("list worlds: %w", err)
	}
	return worlds, nil
}

// ListBranches implements store.Store.
func (s *Store) ListBranches(ctx context.Context, parent store.WorldID) ([]store.World, error) {
	worlds, err := s.worldsWithLayers(ctx, sqlstore.SelectBranches, sqlstore.SelectBranchLayers, parent)
	if err != nil {
		return nil, fmt.Errorf("branches of %s: %w", parent, err)
	}
	if len(worlds) == 0 {
		return nil, s.worldMustExist(ctx, parent)
	}
	return worlds, nil
}

// worldsWithLayers reads the worlds one query selects, then the layers the
// other selects (with the same arguments), and attaches them. Layers are
// read after worlds: a world created in between has its layers ignored,
// and every listed world's layers are already committed.
func (s *Store) worldsWithLayers(ctx context.Context, worldsQuery, layersQuery string, args ...any) ([]store.World, error) {
	rows, err := s.pool.Query(ctx, worldsQuery, args...)
	if err != nil {
		return nil, err
	}
	worlds, err := collect(rows, 0, scanWorld)
	if err != nil || len(worlds) == 0 {
		return worlds, err
	}
	if rows, err = s.pool.Query(ctx, layersQuery, args...); err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	layers, err := collect(rows, 0, sqlstore.ScanLayer)
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
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

// scanWorld scans a world row with this backend's timestamp targets.
func scanWorld(r sqlstore.Scanner) (store.World, error) {
	var w store.World
	err := sqlstore.ScanWorld(r, &w, &w.CreatedAt, nullTime{&w.ForkedAt})
	return w, err
}
