package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// CreateVersion implements store.Store. The version row and its documents'
// rows are one transaction; the foreign keys refuse an unknown world, or a
// document that is not the world's.
func (s *Store) CreateVersion(ctx context.Context, v store.Version) error {
	if err := sqlstore.CheckVersion(v); err != nil {
		return fmt.Errorf("create version %q of %s: %w", v.Name, v.World, err)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, sqlstore.InsertVersion, v.World, v.Name, v.CreatedAt.UnixMicro(), v.CreatedBy)
		if err != nil || len(v.Docs) == 0 {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, sqlstore.InsertVersionDoc)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, d := range v.Docs {
			_, err := stmt.ExecContext(ctx, v.World, v.Name, d.Doc, sqlstore.EncodeHashes(d.Heads), d.Ordinal)
			if err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case isDuplicate(err):
		return fmt.Errorf("version %q of world %s: %w", v.Name, v.World, store.ErrExists) // not the driver's constraint text
	case isMissingParent(err):
		return fmt.Errorf("version %q of world %s: world or document: %w", v.Name, v.World, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("create version %q of %s: %w", v.Name, v.World, err)
	}
	return nil
}

// GetVersion implements store.Store.
func (s *Store) GetVersion(ctx context.Context, w store.WorldID, name string) (store.Version, error) {
	var v store.Version
	row := s.r.QueryRowContext(ctx, sqlstore.SelectVersion, w, name)
	err := sqlstore.ScanVersion(row, &v, micros{&v.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("version %q of %s: %w", name, w, store.ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("version %q of %s: %w", name, w, err)
	}
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectVersionDocs, w, name)
	if err != nil {
		return v, fmt.Errorf("version %q of %s: documents: %w", name, w, err)
	}
	docs, err := collect(rows, 0, scanVersionDoc)
	if err != nil {
		return v, fmt.Errorf("version %q of %s: documents: %w", name, w, err)
	}
	vs := []store.Version{v}
	sqlstore.AttachVersionDocs(vs, docs)
	return vs[0], nil
}

// ListVersions implements store.Store. ErrNotFound if the world is unknown.
func (s *Store) ListVersions(ctx context.Context, w store.WorldID) ([]store.Version, error) {
	rows, err := s.r.QueryContext(ctx, sqlstore.SelectVersions, w)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", w, err)
	}
	versions, err := collect(rows, 0, func(r *sql.Rows) (store.Version, error) {
		var v store.Version
		err := sqlstore.ScanVersion(r, &v, micros{&v.CreatedAt})
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", w, err)
	}
	if len(versions) == 0 {
		return nil, s.worldMustExist(ctx, w)
	}
	// Documents are read after versions: those of a version created in
	// between are ignored, and every listed version's are already committed.
	if rows, err = s.r.QueryContext(ctx, sqlstore.SelectWorldVersionDocs, w); err != nil {
		return nil, fmt.Errorf("versions of %s: documents: %w", w, err)
	}
	docs, err := collect(rows, 0, scanVersionDoc)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: documents: %w", w, err)
	}
	sqlstore.AttachVersionDocs(versions, docs)
	return versions, nil
}

// worldMustExist returns ErrNotFound unless world w exists.
func (s *Store) worldMustExist(ctx context.Context, w store.WorldID) error {
	_, err := scanWorld(s.r.QueryRowContext(ctx, sqlstore.SelectWorld, w))
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("world %s: %w", w, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("world %s: %w", w, err)
	}
	return nil
}

func scanVersionDoc(r *sql.Rows) (sqlstore.NamedVersionDoc, error) { return sqlstore.ScanVersionDoc(r) }
