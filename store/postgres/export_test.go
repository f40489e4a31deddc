package postgres

import "fmt"

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

// AppendChangesSQL and AppendArgs insert a batch of changes; their columns
// are those of version 1.
var (
	AppendChangesSQL = appendChanges
	AppendArgs       = appendArgs
)
