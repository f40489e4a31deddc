package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// CreateWorld implements store.Store. The foreign key on parent_world
// refuses an unknown parent, the unique index worlds_parent_branch a taken
// branch name; the transaction then writes nothing.
func (s *Store) CreateWorld(ctx context.Context, w store.World, docs []store.NewDocument) error {
	docs, layers, err := sqlstore.CheckWorld(w, docs)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, sqlstore.InsertWorld, w.ID, w.Name, w.Manifest,
			w.CreatedAt.UnixMicro(), w.CreatedBy, sqlstore.NullParent(w), w.Branch, orNull(w.ForkedAt))
		if err != nil {
			return err
		}
		for _, d := range docs {
			if _, err := tx.ExecContext(ctx, sqlstore.InsertDocument, d.ID, d.World, d.Kind); err != nil {
				return err
			}
			if err := insertChanges(ctx, tx, d.ID, d.Changes); err != nil {
				return err
			}
		}
		for _, l := range layers {
			_, err := tx.ExecContext(ctx, sqlstore.InsertLayer, l.ID, l.World, l.Name, l.Doc, l.Position)
			if err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case isDuplicate(err):
		return fmt.Errorf("create world %s: %w: %w", w.ID, store.ErrExists, err)
	case isMissingParent(err):
		return fmt.Errorf("create world %s: parent world %s: %w: %w", w.ID, w.Parent, store.ErrNotFound, err)
	case err != nil:
		return fmt.Errorf("create world %s: %w", w.ID, err)
	}
	return nil
}

// GetWorld implements store.Store.
func (s *Store) GetWorld(ctx context.Context, id store.WorldID) (store.World, error) {
	w, err := scanWorld(s.r.QueryRowContext(ctx, sqlstore.SelectWorld, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("world %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return w, fmt.Errorf("world %s: %w", id, err)
	}
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectWorldLayers, id)
	if err != nil {
		return w, fmt.Errorf("world %s layers: %w", id, err)
	}
	if w.Layers, err = collect(rows, 0, scanLayer); err != nil {
		return w, fmt.Errorf("world %s layers: %w", id, err)
	}
	return w, nil
}

// RenameWorld implements store.Store.
func (s *Store) RenameWorld(ctx context.Context, id store.WorldID, name string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlstore.UpdateWorldName, id, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, store.ErrNotFound)
		}
		return nil
	})
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
	rows, err := s.r.QueryContext(ctx, worldsQuery, args...)
	if err != nil {
		return nil, err
	}
	worlds, err := collect(rows, 0, scanWorlds)
	if err != nil || len(worlds) == 0 {
		return worlds, err
	}
	if rows, err = s.r.QueryContext(ctx, layersQuery, args...); err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	layers, err := collect(rows, 0, scanLayer)
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	sqlstore.AttachLayers(worlds, layers)
	return worlds, nil
}

// GetDocument implements store.Store.
func (s *Store) GetDocument(ctx context.Context, id store.DocID) (store.Document, error) {
	d, err := sqlstore.ScanDocument(s.r.QueryRowContext(ctx, sqlstore.SelectDocument, id))
	if errors.Is(err, sql.ErrNoRows) {
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
	err := sqlstore.ScanWorld(r, &w, micros{&w.CreatedAt}, nullMicros{&w.ForkedAt})
	return w, err
}

func scanWorlds(r *sql.Rows) (store.World, error) { return scanWorld(r) }

func scanLayer(r *sql.Rows) (store.Layer, error) { return sqlstore.ScanLayer(r) }
