package crdt

import "sync/atomic"

// Stats are the engine's running counters, for metrics. Fields are updated
// atomically by document loops and may be read at any time.
type Stats struct {
	// SyncIn counts inbound sync and request messages.
	SyncIn atomic.Int64
	// SyncOut counts sync messages sent to peers.
	SyncOut atomic.Int64
	// ChangesOut counts changes sent to peers (deliveries).
	ChangesOut atomic.Int64
	// ChangesAccepted counts changes committed to the store.
	ChangesAccepted atomic.Int64
	// Commits counts store appends; CommitNanos is their total duration.
	Commits     atomic.Int64
	CommitNanos atomic.Int64
	// PeerFailures counts peers disconnected for a fault (bad input, slowness).
	PeerFailures atomic.Int64
	// Verifiers is the number of automerge-go materializations resident.
	Verifiers atomic.Int64
	// Compactions counts snapshots written.
	Compactions atomic.Int64
}

// Stats returns the hub's counters.
func (h *Hub) Stats() *Stats { return &h.stats }
