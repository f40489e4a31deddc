// Package pgtest gives tests an isolated PostgreSQL schema. It fails, never
// skips, when PostgreSQL is unreachable: CI guarantees a server at
// 127.0.0.1:5432 (override with ATELIER_TEST_POSTGRES).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// DefaultDSN is the server CI provides; ATELIER_TEST_POSTGRES overrides it.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// BaseDSN returns the DSN of the test server.
func BaseDSN() string {
	if dsn := os.Getenv("ATELIER_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// Schema creates an empty schema, dropped when tb ends, and returns its name
// and a DSN whose connections put it first on search_path.
func Schema(tb testing.TB) (name, dsn string) {
	tb.Helper()
	ctx := context.Background()
	base := BaseDSN()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("PostgreSQL is required for these tests and is not reachable at %s "+
			"(run `make deps` to start it, or set ATELIER_TEST_POSTGRES to another DSN): %v", base, err)
	}
	name = "t_" + randomHex(8)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		_ = admin.Close(ctx)
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name, WithSearchPath(tb, base, name)
}

// WithSearchPath returns dsn with its connections' search_path set to schema.
func WithSearchPath(tb testing.TB, dsn, schema string) string {
	option := "-c search_path=" + schema
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " options='" + option + "'"
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("parse ATELIER_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("options", option)
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // pgx reads "+" literally
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
