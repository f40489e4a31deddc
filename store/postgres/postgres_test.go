package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"atelier/store"
	"atelier/store/postgres"
	"atelier/store/postgres/pgtest"
	"atelier/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func baseDSN() string { return pgtest.BaseDSN() }

func newSchema(tb testing.TB) (name, dsn string) { return pgtest.Schema(tb) }

func withSearchPath(tb testing.TB, dsn, schema string) string {
	return pgtest.WithSearchPath(tb, dsn, schema)
}

// openTest opens a store in a fresh schema and closes it when tb ends,
// before the schema is dropped.
func openTest(tb testing.TB) *postgres.Store {
	tb.Helper()
	_, dsn := newSchema(tb)
	return openDSN(tb, dsn)
}

func openDSN(tb testing.TB, dsn string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t) })
}

// TestMigrateConcurrently opens several stores on one empty schema at once:
// the advisory lock must let exactly one create the tables.
func TestMigrateConcurrently(t *testing.T) {
	const servers = 4
	schema, dsn := newSchema(t)
	var wg sync.WaitGroup
	errs := make([]error, servers)
	for i := range servers {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
	openDSN(t, dsn) // and once more, on a current schema
	checkSchema(t, schema)
}

// checkSchema fails t unless schema holds the store's tables at version 1.
func checkSchema(t *testing.T, schema string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, baseDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var tables []string
	rows, _ := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 ORDER BY table_name`, schema)
	if tables, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	want := "changes documents layers schema_version snapshots worlds"
	if got := strings.Join(tables, " "); got != want {
		t.Fatalf("tables in %s: %s; want %s", schema, got, want)
	}
	var versions []int
	rows, _ = conn.Query(ctx, fmt.Sprintf("SELECT version FROM %s.schema_version", schema))
	if versions, err = pgx.CollectRows(rows, pgx.RowTo[int]); err != nil || len(versions) != 1 || versions[0] != 1 {
		t.Fatalf("schema_version rows = %v, %v; want [1]", versions, err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	s, err := postgres.Open(context.Background(), "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5")
	if err == nil {
		_ = s.Close()
		t.Fatal("Open succeeded with nothing listening")
	}
}

func BenchmarkAppendChanges(b *testing.B) {
	for _, n := range []int{1, 32} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) { storetest.BenchAppendChanges(b, openTest(b), n) })
	}
}

func BenchmarkChangeIndex(b *testing.B) {
	b.Run("changes=100000", func(b *testing.B) { storetest.BenchChangeIndex(b, openTest(b), 100_000) })
}
