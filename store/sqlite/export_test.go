package sqlite

import "context"

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

// V1Schema creates schema version 1, as the first release left it.
var V1Schema = []string{createVersion, steps[0], `INSERT INTO schema_version (version) VALUES (1)`}

// InsertChange inserts a change row; its columns are those of version 1.
const InsertChange = insertChange
