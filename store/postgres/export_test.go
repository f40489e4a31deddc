package postgres

// V1Schema creates schema version 1, as the first release left it.
var V1Schema = []string{createVersion, steps[0], `INSERT INTO schema_version (version) VALUES (1)`}

// AppendChangesSQL and AppendArgs insert a batch of changes; their columns
// are those of version 1.
var (
	AppendChangesSQL = appendChanges
	AppendArgs       = appendArgs
)
