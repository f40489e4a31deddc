package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"atelier/store/internal/sqlstore"
)

// createVersion creates the table holding the schema version.
const createVersion = `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT`

// steps[i] migrates the schema from version i to i+1; a step, once
// released, never changes. Timestamps are Unix microseconds (UTC); hash
// lists are concatenated 32-byte hashes.
var steps = []string{
	`CREATE TABLE IF NOT EXISTS worlds (
		id           TEXT PRIMARY KEY,
		name         TEXT NOT NULL,
		manifest_doc TEXT NOT NULL,
		created_at   INTEGER NOT NULL,
		created_by   TEXT NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS worlds_created_at ON worlds (created_at, id);

	CREATE TABLE IF NOT EXISTS documents (
		id       TEXT PRIMARY KEY,
		world_id TEXT NOT NULL REFERENCES worlds (id),
		kind     TEXT NOT NULL
	) STRICT;

	CREATE TABLE IF NOT EXISTS layers (
		id       TEXT PRIMARY KEY,
		world_id TEXT NOT NULL REFERENCES worlds (id),
		name     TEXT NOT NULL,
		doc_id   TEXT NOT NULL REFERENCES documents (id),
		position INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS layers_world_position ON layers (world_id, position);

	CREATE TABLE IF NOT EXISTS changes (
		doc_id      TEXT NOT NULL REFERENCES documents (id),
		ordinal     INTEGER NOT NULL,
		hash        BLOB NOT NULL,
		deps        BLOB NOT NULL,
		actor       BLOB NOT NULL,
		seq         INTEGER NOT NULL,
		start_op    INTEGER NOT NULL,
		time        INTEGER NOT NULL,
		message     TEXT NOT NULL,
		size        INTEGER NOT NULL,
		user_name   TEXT NOT NULL,
		received_at INTEGER NOT NULL,
		raw         BLOB NOT NULL,
		PRIMARY KEY (doc_id, ordinal),
		UNIQUE (doc_id, hash)
	) STRICT;

	CREATE TABLE IF NOT EXISTS snapshots (
		doc_id     TEXT NOT NULL REFERENCES documents (id),
		ordinal    INTEGER NOT NULL,
		heads      BLOB NOT NULL,
		data       BLOB NOT NULL,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (doc_id, ordinal)
	) STRICT;`,

	// 2: OrdinalAt's index (ordinal makes it covering), named versions.
	// documents_id_world lets version_docs refuse a document of another
	// world.
	`CREATE INDEX IF NOT EXISTS changes_doc_received ON changes (doc_id, received_at, ordinal);
	CREATE UNIQUE INDEX IF NOT EXISTS documents_id_world ON documents (id, world_id);

	CREATE TABLE IF NOT EXISTS versions (
		world_id   TEXT NOT NULL REFERENCES worlds (id),
		name       TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		created_by TEXT NOT NULL,
		PRIMARY KEY (world_id, name)
	) STRICT;
	CREATE INDEX IF NOT EXISTS versions_world_created ON versions (world_id, created_at, name);

	CREATE TABLE IF NOT EXISTS version_docs (
		world_id TEXT NOT NULL,
		name     TEXT NOT NULL,
		doc_id   TEXT NOT NULL,
		heads    BLOB NOT NULL,
		ordinal  INTEGER NOT NULL,
		PRIMARY KEY (world_id, name, doc_id),
		FOREIGN KEY (world_id, name) REFERENCES versions (world_id, name),
		FOREIGN KEY (doc_id, world_id) REFERENCES documents (id, world_id)
	) STRICT;`,

	// 3: branches. A main world's parent_world and forked_at are NULL (a
	// column added with REFERENCES must default to NULL), its branch_name
	// ''. worlds_parent_branch makes a branch name unique under its parent
	// and finds a world's branches.
	`ALTER TABLE worlds ADD COLUMN parent_world TEXT REFERENCES worlds (id);
	ALTER TABLE worlds ADD COLUMN branch_name TEXT NOT NULL DEFAULT '';
	ALTER TABLE worlds ADD COLUMN forked_at INTEGER;
	CREATE UNIQUE INDEX IF NOT EXISTS worlds_parent_branch ON worlds (parent_world, branch_name)
		WHERE parent_world IS NOT NULL;`,

	// 4: what each change touched, as the history index encoded it. A touch
	// belongs to a change (the foreign key), and rows are small and read by
	// primary key only, hence WITHOUT ROWID.
	`CREATE TABLE IF NOT EXISTS touches (
		doc_id  TEXT NOT NULL,
		ordinal INTEGER NOT NULL,
		data    BLOB NOT NULL,
		PRIMARY KEY (doc_id, ordinal),
		FOREIGN KEY (doc_id, ordinal) REFERENCES changes (doc_id, ordinal)
	) STRICT, WITHOUT ROWID;`,

	// 5: review sessions. A review's shared state is columns of its row, so
	// that one conditional UPDATE (on version) changes it; its members are
	// a JSON array. Media times are microseconds, RTP timestamps their
	// 32-bit value. An event's id is the rowid, increasing in the order
	// events are stored. annotations_id_review and tasks_id_review let
	// task_annotations refuse a link across reviews. An annotation's camera
	// is 0 or 7 big-endian doubles, node lists JSON arrays of ids.
	`CREATE TABLE IF NOT EXISTS reviews (
		id            TEXT PRIMARY KEY,
		title         TEXT NOT NULL,
		world_id      TEXT REFERENCES worlds (id),
		build         TEXT NOT NULL,
		created_at    INTEGER NOT NULL,
		created_by    TEXT NOT NULL,
		version       INTEGER NOT NULL,
		paused        INTEGER NOT NULL,
		live          INTEGER NOT NULL,
		media_time    INTEGER NOT NULL,
		rtp_timestamp INTEGER NOT NULL,
		driver        TEXT NOT NULL,
		members       TEXT NOT NULL,
		state_at      INTEGER NOT NULL,
		state_by      TEXT NOT NULL
	) STRICT;

	CREATE TABLE IF NOT EXISTS review_events (
		id         INTEGER PRIMARY KEY,
		review_id  TEXT NOT NULL REFERENCES reviews (id),
		kind       TEXT NOT NULL,
		user_name  TEXT NOT NULL,
		at         INTEGER NOT NULL,
		media_time INTEGER NOT NULL,
		detail     BLOB NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS review_events_review ON review_events (review_id, id);

	CREATE TABLE IF NOT EXISTS annotations (
		id            TEXT PRIMARY KEY,
		review_id     TEXT NOT NULL REFERENCES reviews (id),
		author        TEXT NOT NULL,
		created_at    INTEGER NOT NULL,
		media_time    INTEGER NOT NULL,
		rtp_timestamp INTEGER NOT NULL,
		shape         BLOB NOT NULL,
		text          TEXT NOT NULL,
		colour        TEXT NOT NULL,
		world_id      TEXT REFERENCES worlds (id),
		build         TEXT NOT NULL,
		tick          INTEGER NOT NULL,
		camera        BLOB NOT NULL,
		nodes         TEXT NOT NULL
	) STRICT;
	CREATE UNIQUE INDEX IF NOT EXISTS annotations_id_review ON annotations (id, review_id);
	CREATE INDEX IF NOT EXISTS annotations_review_media ON annotations (review_id, media_time, created_at, id);

	CREATE TABLE IF NOT EXISTS annotation_frames (
		annotation_id TEXT PRIMARY KEY REFERENCES annotations (id),
		content_type  TEXT NOT NULL,
		data          BLOB NOT NULL,
		created_at    INTEGER NOT NULL
	) STRICT;

	CREATE TABLE IF NOT EXISTS tasks (
		id         TEXT PRIMARY KEY,
		review_id  TEXT NOT NULL REFERENCES reviews (id),
		title      TEXT NOT NULL,
		status     TEXT NOT NULL,
		assignee   TEXT NOT NULL,
		priority   TEXT NOT NULL,
		world_id   TEXT REFERENCES worlds (id),
		nodes      TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		created_by TEXT NOT NULL,
		updated_at INTEGER NOT NULL,
		updated_by TEXT NOT NULL,
		version    INTEGER NOT NULL
	) STRICT;
	CREATE UNIQUE INDEX IF NOT EXISTS tasks_id_review ON tasks (id, review_id);
	CREATE INDEX IF NOT EXISTS tasks_review ON tasks (review_id, created_at, id);
	CREATE INDEX IF NOT EXISTS tasks_world ON tasks (world_id, created_at, id);
	CREATE INDEX IF NOT EXISTS tasks_assignee ON tasks (assignee, created_at, id);

	CREATE TABLE IF NOT EXISTS task_annotations (
		task_id       TEXT NOT NULL,
		annotation_id TEXT NOT NULL,
		review_id     TEXT NOT NULL,
		position      INTEGER NOT NULL,
		PRIMARY KEY (task_id, annotation_id),
		FOREIGN KEY (task_id, review_id) REFERENCES tasks (id, review_id),
		FOREIGN KEY (annotation_id, review_id) REFERENCES annotations (id, review_id)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS task_annotations_annotation ON task_annotations (annotation_id);`,
	// 6: the sessions list, newest first, of every world or of some
	// (store.WorldScope), read from an index rather than sorted.
	`CREATE INDEX IF NOT EXISTS reviews_created ON reviews (created_at DESC, id);
	CREATE INDEX IF NOT EXISTS reviews_world_created ON reviews (world_id, created_at DESC, id);`,
}

// migrate brings the schema up to date in one write transaction: the single
// writer connection and BEGIN IMMEDIATE keep two processes opening the same
// file from migrating at once.
func migrate(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := sqlstore.Migrate(ctx, migrator{tx}, createVersion, steps); err != nil {
		return err
	}
	return tx.Commit()
}

// migrator adapts a *sql.Tx to sqlstore.Migrator.
type migrator struct{ tx *sql.Tx }

// Exec implements sqlstore.Migrator.
func (m migrator) Exec(ctx context.Context, query string, args ...any) error {
	_, err := m.tx.ExecContext(ctx, query, args...)
	return err
}

// QueryInt implements sqlstore.Migrator.
func (m migrator) QueryInt(ctx context.Context, query string) (int, bool, error) {
	var n int
	err := m.tx.QueryRowContext(ctx, query).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return n, err == nil, err
}
