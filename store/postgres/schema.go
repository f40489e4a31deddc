package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"atelier/store/internal/sqlstore"
)

// migrationLock is the pg_advisory_xact_lock key that serializes migrations,
// so that servers starting together do not race to create the same tables.
// It is database-wide: migrations of different schemas wait for each other
// too, which costs nothing worth avoiding.
const migrationLock int64 = 0x6174656c69657201 // "atelier" 1

// createVersion creates the table holding the schema version.
const createVersion = `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`

// steps[i] migrates the schema from version i to i+1; a step, once
// released, never changes. Tables are created in the first schema of
// search_path. Hash lists are concatenated 32-byte hashes. A change's
// message is bytea because text refuses NUL, which a change's author may
// have written.
var steps = []string{
	`CREATE TABLE IF NOT EXISTS worlds (
		id           text PRIMARY KEY,
		name         text NOT NULL,
		manifest_doc text NOT NULL,
		created_at   timestamptz NOT NULL,
		created_by   text NOT NULL
	);
	CREATE INDEX IF NOT EXISTS worlds_created_at ON worlds (created_at, id);

	CREATE TABLE IF NOT EXISTS documents (
		id       text PRIMARY KEY,
		world_id text NOT NULL REFERENCES worlds (id),
		kind     text NOT NULL
	);

	CREATE TABLE IF NOT EXISTS layers (
		id       text PRIMARY KEY,
		world_id text NOT NULL REFERENCES worlds (id),
		name     text NOT NULL,
		doc_id   text NOT NULL REFERENCES documents (id),
		position integer NOT NULL
	);
	CREATE INDEX IF NOT EXISTS layers_world_position ON layers (world_id, position);

	CREATE TABLE IF NOT EXISTS changes (
		doc_id      text NOT NULL REFERENCES documents (id),
		ordinal     bigint NOT NULL,
		hash        bytea NOT NULL,
		deps        bytea NOT NULL,
		actor       bytea NOT NULL,
		seq         bigint NOT NULL,
		start_op    bigint NOT NULL,
		time        bigint NOT NULL,
		message     bytea NOT NULL, -- automerge allows any string, NUL included
		size        integer NOT NULL,
		user_name   text NOT NULL,
		received_at timestamptz NOT NULL,
		raw         bytea NOT NULL,
		PRIMARY KEY (doc_id, ordinal),
		UNIQUE (doc_id, hash)
	);

	CREATE TABLE IF NOT EXISTS snapshots (
		doc_id     text NOT NULL REFERENCES documents (id),
		ordinal    bigint NOT NULL,
		heads      bytea NOT NULL,
		data       bytea NOT NULL,
		created_at timestamptz NOT NULL,
		PRIMARY KEY (doc_id, ordinal)
	);`,

	// 2: OrdinalAt's index (ordinal makes it covering), named versions.
	// documents_id_world lets version_docs refuse a document of another
	// world. Version names and their document ids are COLLATE "C" so that
	// they sort bytewise, as in SQLite, whatever the database's collation.
	// Building the index blocks appends until the migration commits (CREATE
	// INDEX CONCURRENTLY cannot run in a transaction).
	`CREATE INDEX IF NOT EXISTS changes_doc_received ON changes (doc_id, received_at, ordinal);
	CREATE UNIQUE INDEX IF NOT EXISTS documents_id_world ON documents (id, world_id);

	CREATE TABLE IF NOT EXISTS versions (
		world_id   text NOT NULL REFERENCES worlds (id),
		name       text COLLATE "C" NOT NULL,
		created_at timestamptz NOT NULL,
		created_by text NOT NULL,
		PRIMARY KEY (world_id, name)
	);
	CREATE INDEX IF NOT EXISTS versions_world_created ON versions (world_id, created_at, name);

	CREATE TABLE IF NOT EXISTS version_docs (
		world_id text NOT NULL,
		name     text COLLATE "C" NOT NULL,
		doc_id   text COLLATE "C" NOT NULL,
		heads    bytea NOT NULL,
		ordinal  bigint NOT NULL,
		PRIMARY KEY (world_id, name, doc_id),
		FOREIGN KEY (world_id, name) REFERENCES versions (world_id, name),
		FOREIGN KEY (doc_id, world_id) REFERENCES documents (id, world_id)
	);`,

	// 3: branches. A main world's parent_world and forked_at are NULL, its
	// branch_name ''. worlds_parent_branch makes a branch name unique under
	// its parent and finds a world's branches. Adding the columns rewrites
	// no rows (their defaults are constants); the foreign key scans worlds
	// once, finding only NULLs.
	`ALTER TABLE worlds
		ADD COLUMN IF NOT EXISTS parent_world text REFERENCES worlds (id),
		ADD COLUMN IF NOT EXISTS branch_name text NOT NULL DEFAULT '',
		ADD COLUMN IF NOT EXISTS forked_at timestamptz;
	CREATE UNIQUE INDEX IF NOT EXISTS worlds_parent_branch ON worlds (parent_world, branch_name)
		WHERE parent_world IS NOT NULL;`,

	// 4: what each change touched, as the history index encoded it. A touch
	// belongs to a change (the foreign key). Creating the empty table locks
	// changes only for the instant the foreign key is added.
	`CREATE TABLE IF NOT EXISTS touches (
		doc_id  text NOT NULL,
		ordinal bigint NOT NULL,
		data    bytea NOT NULL,
		PRIMARY KEY (doc_id, ordinal),
		FOREIGN KEY (doc_id, ordinal) REFERENCES changes (doc_id, ordinal)
	);`,
}

// migrate brings the schema up to date in one transaction holding
// migrationLock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		return sqlstore.Migrate(ctx, migrator{tx}, createVersion, steps)
	})
}

// migrator adapts a pgx.Tx to sqlstore.Migrator.
type migrator struct{ tx pgx.Tx }

// Exec implements sqlstore.Migrator.
func (m migrator) Exec(ctx context.Context, query string, args ...any) error {
	_, err := m.tx.Exec(ctx, query, args...)
	return err
}

// QueryInt implements sqlstore.Migrator.
func (m migrator) QueryInt(ctx context.Context, query string) (int, bool, error) {
	var n int
	err := m.tx.QueryRow(ctx, query).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return n, err == nil, err
}
