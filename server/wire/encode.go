package wire

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"

	"atelier/store"
)

var encMode = mustEncMode()

func mustEncMode() cbor.EncMode {
	em, err := cbor.EncOptions{
		IndefLength: cbor.IndefLengthForbidden,
		String:      cbor.StringToTextString,
	}.EncMode()
	if err != nil {
		panic(err) // the options above are constants; this cannot happen
	}
	return em
}

// out is a message as written: pointer fields are omitted when nil, so each
// type writes exactly the fields it uses, in this order.
type out struct {
	Type                      string       `cbor:"type"`
	SenderID                  *PeerID      `cbor:"senderId,omitempty"`
	TargetID                  *PeerID      `cbor:"targetId,omitempty"`
	DocumentID                *store.DocID `cbor:"documentId,omitempty"`
	Data                      *[]byte      `cbor:"data,omitempty"`
	Count                     *uint64      `cbor:"count,omitempty"`
	SessionID                 *string      `cbor:"sessionId,omitempty"`
	PeerMetadata              *outPeerMeta `cbor:"peerMetadata,omitempty"`
	SupportedProtocolVersions *[]string    `cbor:"supportedProtocolVersions,omitempty"`
	SelectedProtocolVersion   *string      `cbor:"selectedProtocolVersion,omitempty"`
	Message                   *string      `cbor:"message,omitempty"`
}

// outPeerMeta is PeerMetadata as written; storageId is omitted when empty,
// isEphemeral is always written, as JS repos do.
type outPeerMeta struct {
	StorageID   string `cbor:"storageId,omitempty"`
	IsEphemeral bool   `cbor:"isEphemeral"`
}

// Encode encodes m as one frame: a definite-length CBOR map with text keys,
// holding only the fields m.Type uses, with Data as a plain byte string.
// Absent optional fields (nil PeerMetadata, nil SupportedProtocolVersions,
// empty TargetID on join) are omitted. It returns an error wrapping
// ErrMissingField if a field the type requires is empty, ErrBadDocID if
// DocumentID is invalid, and ErrUnencodable for an empty Type or for
// remote-heads-changed, whose payload this package does not model. Unknown
// types are written as an envelope: type, senderId, targetId, and documentId
// and data when set.
func Encode(m *Message) ([]byte, error) {
	if m == nil || m.Type == "" {
		return nil, fmt.Errorf("%w: no type", ErrUnencodable)
	}
	o, err := toOut(m)
	if err != nil {
		return nil, fmt.Errorf("%s message: %w", m.Type, err)
	}
	b, err := encMode.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnencodable, err)
	}
	return b, nil
}

// toOut selects and checks the fields m.Type uses.
func toOut(m *Message) (*out, error) {
	o := &out{Type: m.Type}
	var err error
	switch m.Type {
	case TypeJoin:
		err = outJoin(m, o)
	case TypePeer:
		err = outPeer(m, o)
	case TypeError:
		err = outError(m, o)
	case TypeSync, TypeRequest, TypeEphemeral:
		err = outData(m, o)
	case TypeDocUnavailable:
		err = outDoc(m, o)
	case TypeRemoteHeadsChanged:
		err = fmt.Errorf("%w: newHeads is not modelled", ErrUnencodable)
	default:
		err = outEnvelope(m, o)
	}
	return o, err
}

func outJoin(m *Message, o *out) error {
	if err := need("senderId", string(m.SenderID)); err != nil {
		return err
	}
	o.SenderID = ptr(m.SenderID)
	o.TargetID = optional(m.TargetID)
	o.PeerMetadata = outMeta(m.PeerMetadata)
	if m.SupportedProtocolVersions != nil {
		o.SupportedProtocolVersions = ptr(m.SupportedProtocolVersions)
	}
	return nil
}

func outPeer(m *Message, o *out) error {
	if err := needPeers(m, o); err != nil {
		return err
	}
	o.PeerMetadata = outMeta(m.PeerMetadata)
	o.SelectedProtocolVersion = optional(m.SelectedProtocolVersion)
	return nil
}

func outError(m *Message, o *out) error {
	if err := need("senderId", string(m.SenderID)); err != nil {
		return err
	}
	o.SenderID = ptr(m.SenderID)
	o.TargetID = optional(m.TargetID)
	o.Message = ptr(m.ErrorMessage)
	return nil
}

// outDoc writes doc-unavailable, and the shared part of sync, request and ephemeral.
func outDoc(m *Message, o *out) error {
	if err := needPeers(m, o); err != nil {
		return err
	}
	if err := need("documentId", string(m.DocumentID)); err != nil {
		return err
	}
	if _, err := ParseDocID(string(m.DocumentID)); err != nil {
		return err
	}
	o.DocumentID = ptr(m.DocumentID)
	return nil
}

// outData writes sync, request and ephemeral.
func outData(m *Message, o *out) error {
	if err := outDoc(m, o); err != nil {
		return err
	}
	if len(m.Data) == 0 {
		return fmt.Errorf("%w: %q is empty", ErrMissingField, "data")
	}
	o.Data = ptr(m.Data)
	if m.Type != TypeEphemeral {
		return nil
	}
	if err := need("sessionId", m.SessionID); err != nil {
		return err
	}
	o.Count, o.SessionID = ptr(m.Count), ptr(m.SessionID)
	return nil
}

// outEnvelope writes a type this package does not model beyond its envelope.
func outEnvelope(m *Message, o *out) error {
	o.SenderID = optional(m.SenderID)
	o.TargetID = optional(m.TargetID)
	o.DocumentID = optional(m.DocumentID)
	if len(m.Data) > 0 {
		o.Data = ptr(m.Data)
	}
	return nil
}

func needPeers(m *Message, o *out) error {
	if err := need("senderId", string(m.SenderID)); err != nil {
		return err
	}
	if err := need("targetId", string(m.TargetID)); err != nil {
		return err
	}
	o.SenderID, o.TargetID = ptr(m.SenderID), ptr(m.TargetID)
	return nil
}

func outMeta(pm *PeerMetadata) *outPeerMeta {
	if pm == nil {
		return nil
	}
	return &outPeerMeta{StorageID: pm.StorageID, IsEphemeral: pm.IsEphemeral}
}

func need(key, v string) error {
	if v == "" {
		return fmt.Errorf("%w: %q", ErrMissingField, key)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// optional points at v, or is nil when v is the zero value.
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}
