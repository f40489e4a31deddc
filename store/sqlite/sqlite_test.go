package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"atelier/store"
	"atelier/store/sqlite"
	"atelier/store/storetest"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(durabilityEnv); path != "" {
		durabilityHelper(path) // never returns
	}
	goleak.VerifyTestMain(m)
}

// openTest opens a store in a fresh directory that does not exist yet, and
// closes it when tb ends.
func openTest(tb testing.TB) *sqlite.Store {
	tb.Helper()
	return openAt(tb, filepath.Join(tb.TempDir(), "not", "yet", "atelier.db"))
}

func openAt(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t) })
}

func TestPragmas(t *testing.T) {
	s := openTest(t)
	tests := []struct {
		pragma string
		reader bool
		want   string
	}{
		{"journal_mode", false, "wal"},
		{"synchronous", false, "2"}, // FULL
		{"foreign_keys", false, "1"},
		{"busy_timeout", false, "10000"},
		{"query_only", false, "0"},
		{"journal_mode", true, "wal"},
		{"foreign_keys", true, "1"},
		{"busy_timeout", true, "10000"},
		{"query_only", true, "1"},
	}
	for _, tc := range tests {
		name := "writer " + tc.pragma
		if tc.reader {
			name = "reader " + tc.pragma
		}
		t.Run(name, func(t *testing.T) {
			got, err := s.Pragma(context.Background(), tc.pragma, tc.reader)
			if err != nil || got != tc.want {
				t.Fatalf("PRAGMA %s = %q, %v; want %q", tc.pragma, got, err, tc.want)
			}
		})
	}
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "atelier.db")
	first := openAt(t, path)
	w := store.World{ID: "0b6c3c7e-5d0a-4b8e-9a53-52a1c1f1a001", Name: "kept", Manifest: "manifest-doc"}
	docs := []store.NewDocument{{Document: store.Document{ID: "manifest-doc", Kind: store.KindManifest}}}
	if err := first.CreateWorld(ctx, w, docs); err != nil {
		t.Fatalf("CreateWorld: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	second := openAt(t, path) // migrations find the schema current
	got, err := second.GetWorld(ctx, w.ID)
	if err != nil || got.Name != "kept" {
		t.Fatalf("after reopening, GetWorld = %+v, %v", got, err)
	}
	if v, err := second.Pragma(ctx, "integrity_check", true); err != nil || v != "ok" {
		t.Fatalf("integrity_check = %q, %v", v, err)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "atelier.db")
	if err := openAt(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE schema_version SET version = version + 1"); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(context.Background(), path)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open accepted a schema newer than the code")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open: %v; want an error about a newer schema", err)
	}
}

func TestOpenRejects(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("not a database, and in the way of a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"",
		":memory:",
		filepath.Join(dir, "a?b.db"),
		"file:" + filepath.Join(dir, "x.db"),
		filepath.Join(file, "sub", "atelier.db"),
		file,
	} {
		t.Run(path, func(t *testing.T) {
			if s, err := sqlite.Open(context.Background(), path); err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q) succeeded", path)
			}
		})
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
