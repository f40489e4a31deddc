package sqlstore

import (
	"context"
	"fmt"
)

// Migrator is a transaction that holds the right to change the schema: the
// SQLite writer's IMMEDIATE transaction, or a PostgreSQL transaction holding
// the migration advisory lock.
type Migrator interface {
	// Exec runs one or more statements.
	Exec(ctx context.Context, sql string, args ...any) error
	// QueryInt runs a query returning at most one integer; found is false
	// when it returned no row.
	QueryInt(ctx context.Context, sql string) (n int, found bool, err error)
}

// Migrate brings a schema up to SchemaVersion inside m. createVersion creates
// the schema_version table if missing; steps[i] migrates version i to i+1, so
// len(steps) must be SchemaVersion. Running it on an up-to-date schema
// changes nothing. A schema newer than this code is an error.
func Migrate(ctx context.Context, m Migrator, createVersion string, steps []string) error {
	if len(steps) != SchemaVersion {
		return fmt.Errorf("migrate: %d steps for schema version %d", len(steps), SchemaVersion)
	}
	if err := m.Exec(ctx, createVersion); err != nil {
		return fmt.Errorf("migrate: create schema_version: %w", err)
	}
	version, found, err := m.QueryInt(ctx, SelectSchemaVersion)
	if err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if version > SchemaVersion {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", version, SchemaVersion)
	}
	for v := version; v < SchemaVersion; v++ {
		if err := m.Exec(ctx, steps[v]); err != nil {
			return fmt.Errorf("migrate: schema version %d to %d: %w", v, v+1, err)
		}
	}
	switch {
	case !found:
		err = m.Exec(ctx, InsertSchemaVersion, SchemaVersion)
	case version != SchemaVersion:
		err = m.Exec(ctx, UpdateSchemaVersion, SchemaVersion)
	}
	if err != nil {
		return fmt.Errorf("migrate: record schema version: %w", err)
	}
	return nil
}
