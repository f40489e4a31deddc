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
	"atelier/store/internal/sqlstore"
	"atelier/store/postgres"
	"atelier/store/postgres/pgtest"
	"atelier/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func baseDSN() string { return pgtest.BaseDSN() }

func newSchema(tb testing.TB) (name, dsn string) { return pgtest.Schema(tb) }

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

// checkSchema fails t unless schema holds the store's tables and indexes
// at the current version.
func checkSchema(t *testing.T, schema string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, baseDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 ORDER BY table_name`, schema)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := "annotation_frames annotations changes documents layers review_events reviews " +
		"schema_version snapshots task_annotations tasks touches version_docs versions worlds"
	if got := strings.Join(tables, " "); got != want {
		t.Fatalf("tables in %s: %s; want %s", schema, got, want)
	}
	rows, _ = conn.Query(ctx, `SELECT indexname FROM pg_indexes
		WHERE schemaname = $1 AND indexname NOT LIKE '%pkey' AND indexname NOT LIKE '%key' ORDER BY indexname`, schema)
	indexes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want = "annotations_id_review annotations_review_media changes_doc_received documents_id_world " +
		"layers_world_position review_events_review reviews_created reviews_world_created task_annotations_annotation tasks_assignee tasks_id_review " +
		"tasks_review tasks_world versions_world_created worlds_created_at worlds_parent_branch"
	if got := strings.Join(indexes, " "); got != want {
		t.Fatalf("indexes in %s: %s; want %s", schema, got, want)
	}
	// Version names and their documents sort bytewise, as in SQLite, whatever
	// the database's collation (the test server's may well be C already).
	rows, _ = conn.Query(ctx, `SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = $1 AND collation_name = 'C' ORDER BY 1`, schema)
	collated, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want = "annotations.id task_annotations.annotation_id task_annotations.task_id tasks.id " +
		"version_docs.doc_id version_docs.name versions.name"
	if got := strings.Join(collated, " "); got != want {
		t.Fatalf("columns collated \"C\" in %s: %s; want %s", schema, got, want)
	}
	rows, _ = conn.Query(ctx, fmt.Sprintf("SELECT version FROM %s.schema_version", schema))
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil || len(versions) != 1 || versions[0] != sqlstore.SchemaVersion {
		t.Fatalf("schema_version rows = %v, %v; want [%d]", versions, err, sqlstore.SchemaVersion)
	}
}

// TestMigrateFromV1 opens schemas that only know an older version (1 to
// 4) and hold data: Open must bring them to the current version in place.
func TestMigrateFromV1(t *testing.T) {
	for from := 1; from < sqlstore.SchemaVersion; from++ {
		t.Run(fmt.Sprintf("v%d", from), func(t *testing.T) { testMigrateFrom(t, from) })
	}
}

func testMigrateFrom(t *testing.T, from int) {
	ctx := context.Background()
	schema, dsn := newSchema(t)
	w, docs, snap := storetest.LegacyFixture()
	var versions []store.Version
	if from >= 2 {
		versions = append(versions, storetest.LegacyVersion(w))
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, ddl := range postgres.LegacySchema(from) {
		if _, err := conn.Exec(ctx, ddl); err != nil {
			t.Fatalf("create version %d: %v", from, err)
		}
	}
	b := &pgx.Batch{}
	b.Queue(postgres.InsertLegacyWorld, w.ID, w.Name, w.Manifest, w.CreatedAt, w.CreatedBy)
	for _, d := range docs {
		b.Queue(sqlstore.InsertDocument, d.ID, w.ID, d.Kind)
		b.Queue(postgres.AppendChangesSQL, postgres.AppendArgs(d.ID, d.Changes)...)
	}
	for _, l := range w.Layers {
		b.Queue(sqlstore.InsertLayer, l.ID, w.ID, l.Name, l.Doc, l.Position)
	}
	b.Queue(sqlstore.UpsertSnapshot, snap.Doc, snap.Ordinal, sqlstore.EncodeHashes(snap.Heads), snap.Data, snap.CreatedAt)
	for _, v := range versions {
		b.Queue(sqlstore.InsertVersion, v.World, v.Name, v.CreatedAt, v.CreatedBy)
		for _, d := range v.Docs {
			b.Queue(sqlstore.InsertVersionDoc, v.World, v.Name, d.Doc, sqlstore.EncodeHashes(d.Heads), d.Ordinal)
		}
	}
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		t.Fatalf("write version %d: %v", from, err)
	}

	storetest.CheckLegacy(t, openDSN(t, dsn), w, docs, snap, versions...)
	checkSchema(t, schema)
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

func BenchmarkChangeLog(b *testing.B) {
	b.Run("changes=100000", func(b *testing.B) { storetest.BenchChangeLog(b, openTest(b), 100_000) })
}

func BenchmarkOrdinalAt(b *testing.B) {
	b.Run("changes=100000", func(b *testing.B) { storetest.BenchOrdinalAt(b, openTest(b), 100_000) })
}
