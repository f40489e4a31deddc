package history

import "errors"

// Sentinel errors returned by Tracker.Apply, wrapped with %w for context.
// A change that fails leaves the tracker unchanged and gets no index.
var (
	// ErrBadChange means Apply was given a nil change, or a change whose
	// operations do not decode.
	ErrBadChange = errors.New("history: undecodable change")
	// ErrOutOfOrder means a change's seq is not one more than that of the
	// last change applied for its actor: a duplicate, or a change whose
	// actor's earlier changes are missing.
	ErrOutOfOrder = errors.New("history: change applied out of order")
	// ErrUnknownHead means a version names a change the replica never applied.
	ErrUnknownHead = errors.New("history: unknown head")
)
