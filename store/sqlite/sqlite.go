// Package sqlite implements store.Store on one embedded SQLite database file,
// with the pure-Go driver modernc.org/sqlite.
//
// The database runs in WAL mode with synchronous=FULL, so a committed append
// is in the fsynced log before AppendChanges returns. Writes go through one
// connection (SQLite allows one writer at a time; queueing in Go instead of on
// the file lock means concurrent appends never see SQLITE_BUSY) and reads
// through a pool of read-only connections that WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"atelier/store"
)

var _ store.Store = (*Store)(nil)

// busyTimeout is how long a connection waits for a lock held by another
// process (or by a checkpoint) before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// Store is a store.Store backed by one SQLite database file. It is safe for
// concurrent use.
type Store struct {
	w *sql.DB // exactly one connection: every write transaction
	r *sql.DB // read-only connections

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed, with its parent directory) the SQLite
// database at path and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	// Readers and the writer are separate connections, so they must name one
	// file: no URI (and no "?", which the driver would take for one), no
	// in-memory database.
	if path == "" || path == ":memory:" || strings.Contains(path, "?") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: want a plain file path", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w, err := openDB(ctx, path, 1, url.Values{
		"_txlock": {"immediate"},
		"_pragma": {"journal_mode(WAL)"},
	})
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, w); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r, err := openDB(ctx, path, max(4, runtime.GOMAXPROCS(0)), url.Values{
		"_pragma": {"query_only(1)"},
	})
	if err != nil {
		_ = w.Close()
		return nil, err
	}
	return &Store{w: w, r: r}, nil
}

// openDB opens a pool of at most conns connections to path, each configured
// with the pragmas every connection needs plus extra.
func openDB(ctx context.Context, path string, conns int, extra url.Values) (*sql.DB, error) {
	q := url.Values{"_pragma": {
		fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
		"foreign_keys(1)",
		"synchronous(FULL)",
		// Read pages through a shared mapping instead of pread copies:
		// opening a document with a long history reads a lot of them.
		"mmap_size(1073741824)",
	}}
	for k, vs := range extra {
		q[k] = append(q[k], vs...)
	}
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// Close closes both connection pools. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = errors.Join(s.r.Close(), s.w.Close())
	})
	return s.closeErr
}

// write runs fn in a write transaction and commits it. The transaction begins
// IMMEDIATE, taking the write lock up front, so its reads see the latest
// commit and nothing can slip in between them and its writes.
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// mustExist returns ErrNotFound unless doc exists. Reads whose result is
// empty use it to tell "no rows" from "no document".
func (s *Store) mustExist(ctx context.Context, doc store.DocID) error {
	_, err := s.GetDocument(ctx, doc)
	return err
}

// collect scans every row of a query with scan; n is the number of rows
// expected, if known.
func collect[T any](rows *sql.Rows, n int, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	out := make([]T, 0, n)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// micros scans a timestamp column, stored as Unix microseconds, into t.
type micros struct{ t *time.Time }

// Scan implements sql.Scanner.
func (m micros) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("timestamp column holds %T, want int64", src)
	}
	*m.t = time.UnixMicro(v).UTC()
	return nil
}

// nullMicros scans a nullable timestamp column, stored as Unix
// microseconds, into t: NULL is the zero time.
type nullMicros struct{ t *time.Time }

// Scan implements sql.Scanner.
func (m nullMicros) Scan(src any) error {
	if src == nil {
		*m.t = time.Time{}
		return nil
	}
	return micros(m).Scan(src)
}

// orNull returns t as Unix microseconds for a nullable timestamp column, or
// nil (NULL) for the zero time.
func orNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// isConstraint reports whether err is the SQLite constraint violation code
// (an extended result code such as SQLITE_CONSTRAINT_UNIQUE).
func isConstraint(err error, codes ...int) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.Code() == c {
			return true
		}
	}
	return false
}

// isDuplicate reports whether err is a primary key or unique violation.
func isDuplicate(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE)
}

// isMissingParent reports whether err is a foreign key violation.
func isMissingParent(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY)
}
