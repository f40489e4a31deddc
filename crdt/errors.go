package crdt

import "errors"

// Sentinel errors of the document engine. The server maps each to a
// websocket close code in one table; they are wrapped with %w for context.
var (
	// ErrBadSyncMessage means a sync message's bytes do not decode.
	ErrBadSyncMessage = errors.New("malformed sync message")
	// ErrBadChange means a change does not parse, its checksum or hash does
	// not match, or automerge refuses to apply it.
	ErrBadChange = errors.New("invalid change")
	// ErrActorChain means a change breaks its actor's sequence: a reused or
	// skipped seq, or a seq whose predecessor is not among its ancestors.
	ErrActorChain = errors.New("change breaks its actor's sequence")
	// ErrReadOnly means a peer without write access sent changes.
	ErrReadOnly = errors.New("read-only access: changes refused")
	// ErrMissingDeps means a peer's changes waited too long for dependencies
	// that never arrived.
	ErrMissingDeps = errors.New("change dependencies never arrived")
	// ErrTooMuchPending means a peer sent more changes with missing
	// dependencies than the engine will hold.
	ErrTooMuchPending = errors.New("too many changes with missing dependencies")
	// ErrTooManyDocuments means a peer asked for more documents than one
	// connection may sync.
	ErrTooManyDocuments = errors.New("too many documents on one connection")
	// ErrSlowPeer means a peer did not drain its send queue fast enough.
	ErrSlowPeer = errors.New("peer too slow: send queue full")
	// ErrUnavailable means the document does not exist or the peer may not read it.
	ErrUnavailable = errors.New("document unavailable")
	// ErrStorage means the store failed; the changes involved were not accepted.
	ErrStorage = errors.New("storage failure")
	// ErrClosed means the hub or document is shutting down.
	ErrClosed = errors.New("document engine closed")
)
