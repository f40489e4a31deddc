package wire

import "atelier/store"

// PeerID identifies a peer (one repo instance) on the network. It is any
// string; JS repos default to "peer-" plus random base36 characters.
type PeerID string

// Message types of the automerge-repo network protocol v1.
const (
	// TypeJoin is the client's first message on every connection.
	TypeJoin = "join"
	// TypePeer is the server's reply to a join.
	TypePeer = "peer"
	// TypeError is the server's refusal of a join; it then closes the socket.
	TypeError = "error"
	// TypeSync carries an automerge sync message for one document.
	TypeSync = "sync"
	// TypeRequest is a sync message from a peer that does not have the document.
	TypeRequest = "request"
	// TypeDocUnavailable says that neither the sender nor its peers have the document.
	TypeDocUnavailable = "doc-unavailable"
	// TypeEphemeral is an application broadcast (presence and the like); Data is CBOR.
	TypeEphemeral = "ephemeral"
	// TypeRemoteSubscriptionChange subscribes to heads gossip; this package
	// decodes only its envelope.
	TypeRemoteSubscriptionChange = "remote-subscription-change"
	// TypeRemoteHeadsChanged is heads gossip; this package decodes only its envelope.
	TypeRemoteHeadsChanged = "remote-heads-changed"
)

// ProtocolV1 is the only protocol version automerge-repo speaks.
const ProtocolV1 = "1"

// PeerMetadata describes a peer's storage, sent in join and peer messages.
type PeerMetadata struct {
	// StorageID is the peer's persistent storage id, "" if it has none.
	StorageID string
	// IsEphemeral is true when the peer keeps no durable copy of documents.
	IsEphemeral bool
}

// Message is one automerge-repo network message. Which fields are meaningful
// depends on Type; see the Type constants. A Message of an unknown type decodes
// with only Type, SenderID and TargetID set, so callers can ignore it.
type Message struct {
	// Type is the message type, such as TypeSync.
	Type string
	// SenderID is the sending peer.
	SenderID PeerID
	// TargetID is the receiving peer.
	TargetID PeerID
	// DocumentID is the document of sync, request, doc-unavailable and ephemeral messages.
	DocumentID store.DocID
	// Data is the automerge sync message (sync, request) or the CBOR payload (ephemeral).
	Data []byte
	// Count is the sender's per-session ephemeral message counter.
	Count uint64
	// SessionID identifies the sender's session for ephemeral messages.
	SessionID string
	// PeerMetadata is the sender's metadata in join and peer messages, nil if absent.
	PeerMetadata *PeerMetadata
	// SupportedProtocolVersions lists the versions a join offers, nil when absent.
	SupportedProtocolVersions []string
	// SelectedProtocolVersion is the version a peer message selects.
	SelectedProtocolVersion string
	// ErrorMessage is the text of an error message (wire key "message").
	ErrorMessage string
}
