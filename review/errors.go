package review

import "errors"

// Sentinel errors of the review service. The server maps each to an HTTP
// status or websocket close code in one table; they are wrapped with %w
// for context.
var (
	// ErrNotFound means the session, annotation, frame or task does not
	// exist.
	ErrNotFound = errors.New("review: not found")
	// ErrForbidden means the user's role in the session does not allow the
	// action (a viewer annotating, an annotator driving), or the user is
	// not a member of the session.
	ErrForbidden = errors.New("review: forbidden")
	// ErrInvalid means the input is malformed or out of range; nothing was
	// written.
	ErrInvalid = errors.New("review: invalid input")
	// ErrTooLarge means an uploaded frame image is over the size limit;
	// nothing was written.
	ErrTooLarge = errors.New("review: too large")
	// ErrConflict means the change lost a race or contradicts the current
	// state (the driver's seat is taken, a stale version, a frame already
	// uploaded with other bytes); nothing was written.
	ErrConflict = errors.New("review: conflict")
	// ErrClosed means the service or hub is shutting down.
	ErrClosed = errors.New("review: closed")
	// ErrSlowSubscriber means a subscriber did not drain its queue fast
	// enough and was dropped.
	ErrSlowSubscriber = errors.New("review: subscriber too slow: queue full")
)
