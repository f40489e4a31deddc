// Package postgres implements store.Store on PostgreSQL with pgx/v5.
//
// Open migrates the schema under an advisory lock, creating tables in the
// first schema of the connection's search_path. AppendChanges is one
// statement: an INSERT from unnested column arrays, guarded by the log's
// current end, so an append costs one round trip and one commit.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"atelier/store"
	"atelier/store/internal/sqlstore"
)

var _ store.Store = (*Store)(nil)

// SQLSTATE codes the store maps to store errors.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// Store is a store.Store backed by a PostgreSQL connection pool. It is safe
// for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the PostgreSQL database named by dsn (a URL or key=value
// connection string, as pgx accepts) and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open %s@%s/%s: migrate: %w",
			cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool, waiting for connections in use to be returned. It
// is safe to call more than once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// mustExist returns ErrNotFound unless doc exists. Reads whose result is
// empty use it to tell "no rows" from "no document".
func (s *Store) mustExist(ctx context.Context, doc store.DocID) error {
	_, err := s.GetDocument(ctx, doc)
	return err
}

// sqlState returns err's SQLSTATE code, or "" if it is not a server error.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// collect scans every row of a query with scan; n is the number of rows
// expected, if known.
func collect[T any](rows pgx.Rows, n int, scan func(sqlstore.Scanner) (T, error)) ([]T, error) {
	return pgx.AppendRows(make([]T, 0, n), rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}

// nullTime scans a nullable timestamptz column into t: NULL is the zero time.
type nullTime struct{ t *time.Time }

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (n nullTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		*n.t = time.Time{}
		return nil
	}
	if v.InfinityModifier != pgtype.Finite {
		return fmt.Errorf("timestamp is %s, want a finite time", v.InfinityModifier)
	}
	*n.t = v.Time
	return nil
}

// orNull returns t for a nullable timestamptz column, or nil (NULL) for the
// zero time.
func orNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
