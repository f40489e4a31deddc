package crdt

import (
	"time"

	"atelier/store"
)

// Config tunes the engine. The zero value of a field means its default.
type Config struct {
	// Verify applies every inbound change to the document with automerge-go
	// before accepting it (default true; see DisableVerify).
	DisableVerify bool
	// VerifierIdle is how long a document's automerge-go materialization,
	// used to verify changes, is kept after the last write (default 30s).
	VerifierIdle time.Duration
	// DocIdle is how long a document with no peers stays open (default 60s).
	DocIdle time.Duration
	// SnapshotEvery is the number of new changes after which a document is
	// compacted into a snapshot in the background (default 1000).
	SnapshotEvery int
	// MaxPending caps the changes with missing dependencies a document holds (default 10000).
	MaxPending int
	// MaxPendingBytes caps their total size (default 64 MiB).
	MaxPendingBytes int
	// DepsTimeout is how long a change may wait for its dependencies before
	// the peer that sent it is disconnected (default 15s).
	DepsTimeout time.Duration
	// MaxOutBytes caps the change bytes in one outbound sync message; the
	// rest follows in later rounds (default 8 MiB).
	MaxOutBytes int
	// CacheBytes is the budget of recent change bytes kept in memory per
	// document; older changes are read from the store (default 4 MiB).
	CacheBytes int
	// QueueLen is the capacity of a document's inbound event queue (default 256).
	QueueLen int
	// MaxDocsPerPeer caps the documents one connection may sync (default 1024).
	MaxDocsPerPeer int
	// Tick is the period of housekeeping (eviction, timeouts) (default 1s).
	Tick time.Duration
	// OnCommit, if set, is called by a document's loop each time it has
	// committed changes to the store, with the ordinal of the last one (the
	// log now ends there), for work that follows the log such as indexing
	// history. It runs on the loop, so it must return at once: queue the
	// work, never do it.
	OnCommit func(doc store.DocID, ordinal int64)
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&c.VerifierIdle, 30*time.Second)
	defDur(&c.DocIdle, 60*time.Second)
	def(&c.SnapshotEvery, 1000)
	def(&c.MaxPending, 10000)
	def(&c.MaxPendingBytes, 64<<20)
	defDur(&c.DepsTimeout, 15*time.Second)
	def(&c.MaxOutBytes, 8<<20)
	def(&c.CacheBytes, 4<<20)
	def(&c.QueueLen, 256)
	def(&c.MaxDocsPerPeer, 1024)
	defDur(&c.Tick, time.Second)
	return c
}
