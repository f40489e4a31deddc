package sqlite

import (
	"context"
	"fmt"
)

// Pragma returns the value of PRAGMA name on the writer connection, or on a
// reader connection when reader is true.
func (s *Store) Pragma(ctx context.Context, name string, reader bool) (string, error) {
	db := s.w
	if reader {
		db = s.r
	}
	var v string
	err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}

// LegacySchema returns the statements that create schema version v (an
// older one than the current), as the release that introduced it left it.
func LegacySchema(v int) []string {
	return append(append([]string{createVersion}, steps[:v]...),
		fmt.Sprintf(`INSERT INTO schema_version (version) VALUES (%d)`, v))
}

// InsertLegacyWorld inserts a world row; its columns are those of version
// 1, which later versions give defaults for.
const InsertLegacyWorld = `INSERT INTO worlds (id, name, manifest_doc, created_at, created_by)
	VALUES ($1, $2, $3, $4, $5)`

// InsertChange inserts a change row; its columns are those of version 1.
const InsertChange = insertChange
