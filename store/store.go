// Package store is Atelier's durable state: worlds, layers, and for every
// automerge document an append-only log of changes plus periodic snapshots.
//
// One interface, Store, has two implementations chosen only in cmd/: SQLite
// (embedded, pure Go, the default) and PostgreSQL (pgx/v5). Both pass the one
// conformance suite in store/storetest.
//
// Layout per document:
//
//   - changes: one append-only row per automerge change, in the order the
//     server accepted it (Ordinal 1, 2, 3, …). The row is the history index
//     (hash, deps, actor, seq, time, message, size, delivering user, arrival
//     time) and holds the change's raw bytes, so history and sync can be served
//     without loading the document. Rows are never rewritten.
//   - snapshots: the output of automerge's save() at some ordinal, so a
//     document can be materialized without replaying every change. Writing a
//     snapshot is compaction; it never removes change rows, because the full
//     history is the product.
//   - touches: what each change touched (nodes, properties), as the server's
//     history index encoded it, so a page of history is described without
//     replaying the log. The store keeps them as opaque bytes, and keeps the
//     changes that have one a prefix of the log (1..TouchedUpTo).
//
// Beside the worlds, ReviewStore keeps review sessions: each session's
// shared playback state (one row, versioned so that racing writers are
// told apart), its event log, its annotations with their frame images, and
// the tasks raised from them.
//
// Durability: AppendChanges returns only after the rows are committed. The sync
// engine acknowledges a change to no peer before that.
//
// Round trips: times are kept to the microsecond and read back in UTC; empty
// byte slices and hash lists (Actor, Raw, Deps, Heads, Data) read back as nil.
// Seq and StartOp keep all 64 bits.
package store

import (
	"context"
	"encoding/hex"
	"time"
)

// WorldID identifies a world; it is a UUID in canonical text form.
type WorldID string

// LayerID identifies a layer within a world; it is a UUID in canonical text form.
type LayerID string

// DocID is an automerge-repo DocumentId: the bs58check encoding of 16 random
// bytes. It is what follows "automerge:" in a document URL.
type DocID string

// ChangeHash is the SHA-256 hash that identifies an automerge change.
type ChangeHash [32]byte

// String returns the hash as 64 lowercase hex characters, as Automerge's JS API shows it.
func (h ChangeHash) String() string { return hex.EncodeToString(h[:]) }

// DocKind says what an automerge document holds.
type DocKind string

// Document kinds.
const (
	// KindManifest is a world's manifest document (name, layers).
	KindManifest DocKind = "manifest"
	// KindLayer is a layer document (the scene nodes).
	KindLayer DocKind = "layer"
)

// World is a world's metadata row. A main world has no Parent; a branch is
// a world of its own (its own manifest, layers and documents) that records
// the world it was forked from, under a name unique among that world's
// branches.
type World struct {
	ID        WorldID
	Name      string
	Manifest  DocID // the world's manifest document
	CreatedAt time.Time
	CreatedBy string
	// Parent is the world this one branches from; "" for a main world.
	Parent WorldID
	// Branch is the branch's name, unique among Parent's branches; "" for
	// a main world, and required for a branch.
	Branch string
	// ForkedAt is when the branch was forked from Parent, kept to the
	// microsecond like every time; zero for a main world.
	ForkedAt time.Time
	Layers   []Layer // in display order; filled by GetWorld, ListWorlds and ListBranches
}

// Layer is a layer's metadata row.
type Layer struct {
	ID       LayerID
	World    WorldID
	Name     string
	Doc      DocID
	Position int // display order within the world, 0-based
}

// Document is a document's metadata row: every automerge document the server
// serves belongs to exactly one world.
type Document struct {
	ID    DocID
	World WorldID
	Kind  DocKind
}

// Change is one automerge change as stored: its index fields and raw bytes.
type Change struct {
	Doc        DocID
	Ordinal    int64 // 1-based position in the order the server accepted changes for Doc
	Hash       ChangeHash
	Deps       []ChangeHash
	Actor      []byte
	Seq        uint64
	StartOp    uint64
	Time       int64  // the change's own timestamp, as written by its author (JS: seconds, Go: ms)
	Message    string // the change's commit message, "" if none
	User       string // the authenticated user who delivered the change to this server
	ReceivedAt time.Time
	Raw        []byte // the uncompressed change chunk (type 1) exactly as hashed
}

// Size is the length of the change's raw bytes.
func (c *Change) Size() int { return len(c.Raw) }

// ChangeMeta is a change's index entry without its bytes: enough to rebuild a
// document's change graph without loading its contents.
type ChangeMeta struct {
	Ordinal int64
	Hash    ChangeHash
	Deps    []ChangeHash
	Actor   []byte
	Seq     uint64
	Size    int
}

// Snapshot is a compacted document: automerge save() output covering every
// change up to and including Ordinal.
type Snapshot struct {
	Doc       DocID
	Ordinal   int64
	Heads     []ChangeHash
	Data      []byte
	CreatedAt time.Time
}

// Touch is the encoded description of what one change touched. The store
// does not read Data; the server's history index writes and reads it.
type Touch struct {
	Ordinal int64 // the change's ordinal in its document's log
	Data    []byte
}

// Version is a named version of a world: the heads of each of its
// documents when it was made, and the ordinal each document's log had then
// (every change of the version is at or below it, so the version can be
// materialized from that prefix).
type Version struct {
	World     WorldID
	Name      string
	CreatedAt time.Time
	CreatedBy string
	Docs      []VersionDoc // one per document of the world, in any order
}

// VersionDoc pins one document in a Version.
type VersionDoc struct {
	Doc     DocID
	Heads   []ChangeHash
	Ordinal int64
}

// NewDocument is a document to create together with its first changes.
type NewDocument struct {
	Document
	Changes []Change // Ordinal 1..n, in dependency order
}

// Store is Atelier's durable state. Implementations are safe for concurrent use.
type Store interface {
	// CreateWorld atomically creates a world, its layers, its documents and their
	// initial changes. It returns ErrExists if any id is taken. The manifest
	// and every layer's document must be among docs; a document's or layer's
	// World may be left empty to mean w.ID. Each document's Changes must be
	// ordinals 1..n with distinct hashes (ErrConflict otherwise).
	//
	// It stores w's Parent, Branch and ForkedAt. A branch (Parent set) needs
	// a Branch name; a main world (Parent "") has neither a Branch nor a
	// ForkedAt. It returns ErrNotFound if Parent is not an existing world,
	// and ErrExists if Parent already has a branch named Branch. Nothing is
	// written when it returns an error.
	CreateWorld(ctx context.Context, w World, docs []NewDocument) error
	// GetWorld returns one world with its layers, or ErrNotFound.
	GetWorld(ctx context.Context, id WorldID) (World, error)
	// RenameWorld sets a world's Name (main world or branch; nothing else
	// changes). ErrNotFound if the world is unknown.
	RenameWorld(ctx context.Context, id WorldID, name string) error
	// ListWorlds returns every world, main worlds and branches, with its
	// layers, oldest first.
	ListWorlds(ctx context.Context) ([]World, error)
	// ListBranches returns the worlds whose Parent is parent (its direct
	// branches, not theirs) with their layers, oldest first. ErrNotFound if
	// parent is unknown.
	ListBranches(ctx context.Context, parent WorldID) ([]World, error)

	// GetDocument returns a document's metadata, or ErrNotFound.
	GetDocument(ctx context.Context, id DocID) (Document, error)

	// AppendChanges atomically appends changes to a document's log. Their
	// ordinals must continue the log exactly (ErrConflict otherwise, and
	// nothing is written); a hash already present is ErrConflict too. It returns
	// only once the rows are durable. ErrNotFound if the document is unknown.
	AppendChanges(ctx context.Context, doc DocID, changes []Change) error
	// ChangeIndex returns the index entries of a document's changes with
	// Ordinal > after, in ordinal order, without their bytes. ErrNotFound if
	// the document is unknown.
	ChangeIndex(ctx context.Context, doc DocID, after int64) ([]ChangeMeta, error)
	// Changes returns full changes (bytes included) with from <= Ordinal <= to,
	// in ordinal order. to <= 0 means "to the end". ErrNotFound if the
	// document is unknown.
	Changes(ctx context.Context, doc DocID, from, to int64) ([]Change, error)
	// ChangesByOrdinal returns the full changes with the given ordinals, in the
	// order asked. An unknown ordinal is ErrNotFound.
	ChangesByOrdinal(ctx context.Context, doc DocID, ordinals []int64) ([]Change, error)

	// ChangeLog returns up to limit full changes with Ordinal < before
	// (before <= 0: from the newest), newest first: a page of history.
	ChangeLog(ctx context.Context, doc DocID, before int64, limit int) ([]Change, error)
	// ChangeByHash returns the change with hash h, or ErrNotFound.
	ChangeByHash(ctx context.Context, doc DocID, h ChangeHash) (Change, error)
	// OrdinalAt returns the highest ordinal of a change received at or
	// before t (0 when none was). ErrNotFound if the document is unknown.
	OrdinalAt(ctx context.Context, doc DocID, t time.Time) (int64, error)

	// PutTouches stores the touches of some of doc's changes, one per
	// change, in ordinal order. The ordinals must be consecutive and the
	// first at most TouchedUpTo+1, so that the changes with a touch always
	// form a prefix of the log (ErrConflict otherwise). A touch already
	// stored is kept as it was, so writing touches again is harmless and
	// concurrent writers of the same touches both succeed. ErrNotFound if
	// the document or one of the changes is unknown. Nothing is written
	// when it returns an error.
	PutTouches(ctx context.Context, doc DocID, touches []Touch) error
	// Touches returns the stored touches with from <= Ordinal <= to, in
	// ordinal order; to <= 0 means "to the end". A change without a stored
	// touch is absent. ErrNotFound if the document is unknown.
	Touches(ctx context.Context, doc DocID, from, to int64) ([]Touch, error)
	// TouchedUpTo returns the highest ordinal n such that the touches of
	// changes 1..n are stored (0 when none are). ErrNotFound if the
	// document is unknown.
	TouchedUpTo(ctx context.Context, doc DocID) (int64, error)

	// CreateVersion records a named version of a world. ErrExists if the
	// world already has a version of that name; ErrNotFound if the world or
	// one of the documents is unknown.
	CreateVersion(ctx context.Context, v Version) error
	// GetVersion returns a world's version by name, or ErrNotFound.
	GetVersion(ctx context.Context, w WorldID, name string) (Version, error)
	// ListVersions returns a world's versions, oldest first.
	ListVersions(ctx context.Context, w WorldID) ([]Version, error)

	// PutSnapshot stores a snapshot; an older or equal one for the same
	// document may be pruned. Snapshots never remove changes. ErrNotFound if
	// the document is unknown.
	PutSnapshot(ctx context.Context, s Snapshot) error
	// LatestSnapshot returns the snapshot with the highest ordinal, or
	// ErrNotFound when the document has none.
	LatestSnapshot(ctx context.Context, doc DocID) (Snapshot, error)

	// ReviewStore keeps review sessions, annotations and tasks.
	ReviewStore

	// Close releases the store's connections. Calling it again does nothing.
	Close() error
}
