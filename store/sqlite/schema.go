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
