package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

// CreateVersion implements store.Store. The version row and its documents'
// rows go to the server in one batch inside one transaction; the foreign
// keys refuse an unknown world, or a document that is not the world's.
func (s *Store) CreateVersion(ctx context.Context, v store.Version) error {
	if err := sqlstore.CheckVersion(v); err != nil {
		return fmt.Errorf("create version %q of %s: %w", v.Name, v.World, err)
	}
	b := &pgx.Batch{}
	b.Queue(sqlstore.InsertVersion, v.World, v.Name, v.CreatedAt, v.CreatedBy)
	for _, d := range v.Docs {
		b.Queue(sqlstore.InsertVersionDoc, v.World, v.Name, d.Doc, sqlstore.EncodeHashes(d.Heads), d.Ordinal)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	switch {
	case sqlState(err) == uniqueViolation:
		return fmt.Errorf("version %q of world %s: %w", v.Name, v.World, store.ErrExists) // not the driver's constraint text
	case sqlState(err) == foreignKeyViolation:
		return fmt.Errorf("version %q of world %s: world or document: %w", v.Name, v.World, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("create version %q of %s: %w", v.Name, v.World, err)
	}
	return nil
}

// GetVersion implements store.Store.
func (s *Store) GetVersion(ctx context.Context, w store.WorldID, name string) (store.Version, error) {
	var v store.Version
	err := sqlstore.ScanVersion(s.pool.QueryRow(ctx, sqlstore.SelectVersion, w, name), &v, &v.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, fmt.Errorf("version %q of %s: %w", name, w, store.ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("version %q of %s: %w", name, w, err)
	}
	rows, err := s.pool.Query(ctx, sqlstore.SelectVersionDocs, w, name)
	if err != nil {
		return v, fmt.Errorf("version %q of %s: documents: %w", name, w, err)
	}
	docs, err := collect(rows, 0, sqlstore.ScanVersionDoc)
	if err != nil {
		return v, fmt.Errorf("version %q of %s: documents: %w", name, w, err)
	}
	vs := []store.Version{v}
	sqlstore.AttachVersionDocs(vs, docs)
	return vs[0], nil
}

// ListVersions implements store.Store. ErrNotFound if the world is unknown.
func (s *Store) ListVersions(ctx context.Context, w store.WorldID) ([]store.Version, error) {
	rows, err := s.pool.Query(ctx, sqlstore.SelectVersions, w)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", w, err)
	}
	versions, err := collect(rows, 0, func(r sqlstore.Scanner) (store.Version, error) {
		var v store.Version
		err := sqlstore.ScanVersion(r, &v, &v.CreatedAt)
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
	if rows, err = s.pool.Query(ctx, sqlstore.SelectWorldVersionDocs, w); err != nil {
		return nil, fmt.Errorf("versions of %s: documents: %w", w, err)
	}
	docs, err := collect(rows, 0, sqlstore.ScanVersionDoc)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: documents: %w", w, err)
	}
	sqlstore.AttachVersionDocs(versions, docs)
	return versions, nil
}

// worldMustExist returns ErrNotFound unless world w exists.
func (s *Store) worldMustExist(ctx context.Context, w store.WorldID) error {
	_, err := scanWorld(s.pool.QueryRow(ctx, sqlstore.SelectWorld, w))
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("world %s: %w", w, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("world %s: %w", w, err)
	}
	return nil
}
