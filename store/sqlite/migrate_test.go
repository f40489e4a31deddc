package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"atelier/store"
	"atelier/store/internal/sqlstore"
	"atelier/store/sqlite"
	"atelier/store/storetest"
)

// TestMigrateFromV1 opens databases that only know an older schema version
// (1 to 4) and hold data: Open must bring them to the current version in place.
func TestMigrateFromV1(t *testing.T) {
	for from := 1; from < sqlstore.SchemaVersion; from++ {
		t.Run(fmt.Sprintf("v%d", from), func(t *testing.T) { testMigrateFrom(t, from) })
	}
}

func testMigrateFrom(t *testing.T, from int) {
	path := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.db", from))
	w, docs, snap := storetest.LegacyFixture()
	var versions []store.Version
	if from >= 2 {
		versions = append(versions, storetest.LegacyVersion(w))
	}
	writeLegacy(t, path, from, w, docs, snap, versions)

	s := openAt(t, path)
	storetest.CheckLegacy(t, s, w, docs, snap, versions...)
	if v, err := s.Pragma(context.Background(), "integrity_check", true); err != nil || v != "ok" {
		t.Fatalf("integrity_check = %q, %v", v, err)
	}
	if v, err := s.Pragma(context.Background(), "foreign_key_check", true); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("foreign_key_check = %q, %v; want no rows", v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db := rawDB(t, path)
	var version int
	if err := db.QueryRow(sqlstore.SelectSchemaVersion).Scan(&version); err != nil || version != sqlstore.SchemaVersion {
		t.Fatalf("schema version %d, %v; want %d", version, err, sqlstore.SchemaVersion)
	}
	for _, name := range []string{"changes_doc_received", "documents_id_world", "versions", "version_docs", "worlds_parent_branch", "touches",
		"reviews", "review_events", "annotations", "annotation_frames", "tasks", "task_annotations"} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = $1`, name).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d in sqlite_master, %v; want 1", name, n, err)
		}
	}
}

// TestHistoryQueryPlans checks that the history reads use the indexes made
// for them rather than scanning a document's log.
func TestHistoryQueryPlans(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plans.db")
	openAt(t, path)
	db := rawDB(t, path)
	tasksOfReview, _, reviewArgs := sqlstore.TaskQueries(store.TaskFilter{Review: "rv"})
	reviews, reviewsArgs := sqlstore.ReviewsQuery(store.ReviewFilter{Limit: 100})
	worldReviews, worldReviewsArgs := sqlstore.ReviewsQuery(store.ReviewFilter{Limit: 100, Scope: store.WorldScope{Limited: true, Worlds: []store.WorldID{"w"}}})
	tests := []struct {
		name, sql, want string
		args            []any
		noSort          bool // the index gives the order: no "TEMP B-TREE"
	}{
		{"Reviews", reviews, "SCAN reviews USING INDEX reviews_created", reviewsArgs, true},
		{"ReviewsOfAWorld", worldReviews, "SEARCH reviews USING INDEX reviews_world_created (world_id=?)", worldReviewsArgs, true},
		{"ChangeLog", sqlstore.SelectChangeLog, "SEARCH changes USING INDEX sqlite_autoindex_changes_1 (doc_id=? AND ordinal<?)", []any{"doc", 1, 1}, false},
		{"ChangeByHash", sqlstore.SelectChangeByHash, "SEARCH changes USING INDEX sqlite_autoindex_changes_2 (doc_id=? AND hash=?)", []any{"doc", 1}, false},
		{"OrdinalAt", sqlstore.SelectOrdinalAt, "SEARCH changes USING COVERING INDEX changes_doc_received (doc_id=? AND received_at<?)", []any{"doc", 1}, false},
		{"Touches", sqlstore.SelectTouches, "SEARCH touches USING PRIMARY KEY (doc_id=? AND ordinal>? AND ordinal<?)", []any{"doc", 1, 1}, false},
		{"TouchedUpTo", sqlstore.SelectTouchedUpTo, "SEARCH touches USING PRIMARY KEY (doc_id=?)", []any{"doc"}, false},
		{"ReviewEvents", sqlstore.SelectReviewEvents, "SEARCH review_events USING INDEX review_events_review (review_id=?)", []any{"rv"}, false},
		{"ListAnnotations", sqlstore.SelectAnnotations, "SEARCH a USING INDEX annotations_review_media (review_id=?)", []any{"rv"}, false},
		{"TasksOfReview", tasksOfReview, "SEARCH tasks USING INDEX tasks_review (review_id=?)", reviewArgs, false},
		{"TaskLinks", sqlstore.SelectTaskLinks, "SEARCH task_annotations USING PRIMARY KEY (task_id=?)", []any{"tk"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := db.Query("EXPLAIN QUERY PLAN "+tc.sql, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			joined := strings.Join(plan, "; ")
			if !strings.Contains(joined, tc.want) {
				t.Fatalf("plan %q does not %s", joined, tc.want)
			}
			if tc.noSort && strings.Contains(joined, "TEMP B-TREE") {
				t.Fatalf("plan %q sorts", joined)
			}
		})
	}
}

// writeLegacy creates a database of schema version `version` at path holding
// w, docs, snap and versions (which need version 2), written with that
// version's statements.
func writeLegacy(t *testing.T, path string, version int, w store.World, docs []store.NewDocument, snap store.Snapshot, versions []store.Version) {
	t.Helper()
	db := rawDB(t, path)
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := db.Exec(query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	for _, ddl := range sqlite.LegacySchema(version) {
		exec(ddl)
	}
	exec(sqlite.InsertLegacyWorld, w.ID, w.Name, w.Manifest, w.CreatedAt.UnixMicro(), w.CreatedBy)
	for _, d := range docs {
		exec(sqlstore.InsertDocument, d.ID, w.ID, d.Kind)
		for _, c := range d.Changes {
			exec(sqlite.InsertChange, d.ID, c.Ordinal, c.Hash[:], sqlstore.EncodeHashes(c.Deps),
				sqlstore.NonNil(c.Actor), int64(c.Seq), int64(c.StartOp), c.Time, c.Message,
				len(c.Raw), c.User, c.ReceivedAt.UnixMicro(), sqlstore.NonNil(c.Raw))
		}
	}
	for _, l := range w.Layers {
		exec(sqlstore.InsertLayer, l.ID, w.ID, l.Name, l.Doc, l.Position)
	}
	exec(sqlstore.UpsertSnapshot, snap.Doc, snap.Ordinal, sqlstore.EncodeHashes(snap.Heads), snap.Data, snap.CreatedAt.UnixMicro())
	for _, v := range versions {
		exec(sqlstore.InsertVersion, v.World, v.Name, v.CreatedAt.UnixMicro(), v.CreatedBy)
		for _, d := range v.Docs {
			exec(sqlstore.InsertVersionDoc, v.World, v.Name, d.Doc, sqlstore.EncodeHashes(d.Heads), d.Ordinal)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// rawDB opens path with the driver alone, closing it when t ends.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
