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
