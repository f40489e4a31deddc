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

	// 5: review sessions. A review's shared state is columns of its row, so
	// that one conditional UPDATE (on version) changes it; its members are
	// a JSON array. Media times are microseconds, RTP timestamps their
	// 32-bit value. An event's id is an identity, increasing in the order
	// events are stored. annotations_id_review and tasks_id_review let
	// task_annotations refuse a link across reviews. An annotation's camera
	// is 0 or 7 big-endian doubles, node lists JSON arrays of ids.
	// Annotation and task ids are COLLATE "C" so that they sort bytewise,
	// as in SQLite. The tables are new: creating them locks nothing in use.
	`CREATE TABLE IF NOT EXISTS reviews (
		id            text PRIMARY KEY,
		title         text NOT NULL,
		world_id      text REFERENCES worlds (id),
		build         text NOT NULL,
		created_at    timestamptz NOT NULL,
		created_by    text NOT NULL,
		version       bigint NOT NULL,
		paused        boolean NOT NULL,
		live          boolean NOT NULL,
		media_time    bigint NOT NULL,
		rtp_timestamp bigint NOT NULL,
		driver        text NOT NULL,
		members       text NOT NULL,
		state_at      timestamptz NOT NULL,
		state_by      text NOT NULL
	);

	CREATE TABLE IF NOT EXISTS review_events (
		id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		review_id  text NOT NULL REFERENCES reviews (id),
		kind       text NOT NULL,
		user_name  text NOT NULL,
		at         timestamptz NOT NULL,
		media_time bigint NOT NULL,
		detail     bytea NOT NULL
	);
	CREATE INDEX IF NOT EXISTS review_events_review ON review_events (review_id, id);

	CREATE TABLE IF NOT EXISTS annotations (
		id            text COLLATE "C" PRIMARY KEY,
		review_id     text NOT NULL REFERENCES reviews (id),
		author        text NOT NULL,
		created_at    timestamptz NOT NULL,
		media_time    bigint NOT NULL,
		rtp_timestamp bigint NOT NULL,
		shape         bytea NOT NULL,
		text          text NOT NULL,
		colour        text NOT NULL,
		world_id      text REFERENCES worlds (id),
		build         text NOT NULL,
		tick          bigint NOT NULL,
		camera        bytea NOT NULL,
		nodes         text NOT NULL
	);
	CREATE UNIQUE INDEX IF NOT EXISTS annotations_id_review ON annotations (id, review_id);
	CREATE INDEX IF NOT EXISTS annotations_review_media ON annotations (review_id, media_time, created_at, id);

	CREATE TABLE IF NOT EXISTS annotation_frames (
		annotation_id text PRIMARY KEY REFERENCES annotations (id),
		content_type  text NOT NULL,
		data          bytea NOT NULL,
		created_at    timestamptz NOT NULL
	);

	CREATE TABLE IF NOT EXISTS tasks (
		id         text COLLATE "C" PRIMARY KEY,
		review_id  text NOT NULL REFERENCES reviews (id),
		title      text NOT NULL,
		status     text NOT NULL,
		assignee   text NOT NULL,
		priority   text NOT NULL,
		world_id   text REFERENCES worlds (id),
		nodes      text NOT NULL,
		created_at timestamptz NOT NULL,
		created_by text NOT NULL,
		updated_at timestamptz NOT NULL,
		updated_by text NOT NULL,
		version    bigint NOT NULL
	);
	CREATE UNIQUE INDEX IF NOT EXISTS tasks_id_review ON tasks (id, review_id);
	CREATE INDEX IF NOT EXISTS tasks_review ON tasks (review_id, created_at, id);
	CREATE INDEX IF NOT EXISTS tasks_world ON tasks (world_id, created_at, id);
	CREATE INDEX IF NOT EXISTS tasks_assignee ON tasks (assignee, created_at, id);

	CREATE TABLE IF NOT EXISTS task_annotations (
		task_id       text COLLATE "C" NOT NULL,
		annotation_id text COLLATE "C" NOT NULL,
		review_id     text NOT NULL,
		position      integer NOT NULL,
		PRIMARY KEY (task_id, annotation_id),
		FOREIGN KEY (task_id, review_id) REFERENCES tasks (id, review_id),
		FOREIGN KEY (annotation_id, review_id) REFERENCES annotations (id, review_id)
	);
	CREATE INDEX IF NOT EXISTS task_annotations_annotation ON task_annotations (annotation_id);`,
	// 6: the sessions list, newest first, of every world or of some
	// (store.WorldScope), read from an index rather than sorted.
	`CREATE INDEX IF NOT EXISTS reviews_created ON reviews (created_at DESC, id);
	CREATE INDEX IF NOT EXISTS reviews_world_created ON reviews (world_id, created_at DESC, id);`,
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
