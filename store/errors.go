package store

import "errors"

// Sentinel errors returned by every Store implementation. Callers test them
// with errors.Is; implementations wrap them with context using %w.
var (
	// ErrNotFound means the world, document, change, snapshot, review,
	// annotation, frame or task does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means an id being created is already taken.
	ErrExists = errors.New("store: already exists")
	// ErrConflict means an append does not continue the log (ordinal gap or
	// reuse, or a duplicate change hash), touches would leave a gap, or a
	// review state or task version does not follow the stored one; nothing
	// was written.
	ErrConflict = errors.New("store: conflicting append")
)
