package store

import "errors"

// Sentinel errors returned by every Store implementation. Callers test them
// with errors.Is; implementations wrap them with context using %w.
var (
	// ErrNotFound means the world, document, change or snapshot does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means an id being created is already taken.
	ErrExists = errors.New("store: already exists")
	// ErrConflict means an append does not continue the log (ordinal gap or
	// reuse, or a duplicate change hash), or touches would leave a gap;
	// nothing was written.
	ErrConflict = errors.New("store: conflicting append")
)
