package crdt

import "atelier/store"

// PeerID identifies a connected peer (automerge-repo's PeerId).
type PeerID string

// Access is what a peer may do with a world's documents.
type Access int

// Access levels.
const (
	// AccessNone: the document is unavailable to the peer.
	AccessNone Access = iota
	// AccessRead: the peer may sync the document but its changes are refused.
	AccessRead
	// AccessWrite: the peer may change the document.
	AccessWrite
)

// Peer is a connected client as the engine sees it. The server implements it
// for websocket sessions. Methods are called from document goroutines and must
// not block.
type Peer interface {
	// ID returns the peer's id.
	ID() PeerID
	// User returns the authenticated user, recorded with every change the peer delivers.
	User() string
	// Access returns the peer's rights on a world.
	Access(w store.WorldID) Access
	// Deliver enqueues a message for the peer without blocking. It returns
	// false when the peer's queue is full; the engine then calls Fail with ErrSlowPeer.
	Deliver(m Outbound) bool
	// Fail reports a fault attributed to the peer (bad input, refused
	// changes, slowness). The server sends an error and closes the connection.
	Fail(err error)
}

// OutKind is the kind of an outbound message.
type OutKind int

// Outbound message kinds, mirroring automerge-repo message types.
const (
	// OutSync carries an automerge sync message ("sync").
	OutSync OutKind = iota
	// OutUnavailable says the document is unavailable ("doc-unavailable").
	OutUnavailable
	// OutEphemeral relays another peer's ephemeral message ("ephemeral").
	OutEphemeral
)

// Outbound is a message the engine asks a peer's session to send.
type Outbound struct {
	Kind OutKind
	Doc  store.DocID
	Data []byte // sync message bytes, or the ephemeral payload
	// Ephemeral relays keep the original sender and its counters.
	From      PeerID
	Count     uint64
	SessionID string
}

// Ephemeral is an inbound ephemeral message to relay to a document's other peers.
type Ephemeral struct {
	Data      []byte
	Count     uint64
	SessionID string
}

// InKind says whether an inbound sync message arrived as "sync" or "request".
type InKind int

// Inbound sync message kinds.
const (
	// InSync is a "sync" message.
	InSync InKind = iota
	// InRequest is a "request" message: the peer does not have the document.
	InRequest
)
