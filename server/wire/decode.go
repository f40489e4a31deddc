package wire

import (
	"fmt"
	"math"

	"github.com/fxamacker/cbor/v2"

	"atelier/store"
)

// Decoder limits. A legitimate message nests at most four levels deep
// (remote-heads-changed: message, newHeads, storage id, heads) and has about
// six keys; the limits leave ample room while bounding hostile input.
const (
	// MaxNestedLevels is the deepest CBOR nesting Decode accepts.
	MaxNestedLevels = 16
	// MaxMapPairs is the most entries any one CBOR map may have.
	MaxMapPairs = 64
	// MaxArrayElements is the most elements any one CBOR array may have.
	MaxArrayElements = 1024
)

// CBOR major types, as the top three bits of an item's first byte.
const (
	majorUint  = 0
	majorBytes = 2
	majorText  = 3
	majorArray = 4
	majorMap   = 5
	majorTag   = 6
	majorOther = 7
)

// CBOR simple values and headers the decoder treats specially.
const (
	cborFalse     = 0xf4
	cborTrue      = 0xf5
	cborNull      = 0xf6
	cborUndefined = 0xf7
	cborFloat16   = 0xf9
	cborFloat32   = 0xfa
	cborFloat64   = 0xfb
	cborTag64     = 0xd8 // followed by 0x40: tag 64, a Uint8Array
)

// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER, the largest count a
// JS peer can send exactly.
const maxSafeInteger = 1<<53 - 1

var decMode = mustDecMode()

func mustDecMode() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  MaxNestedLevels,
		MaxArrayElements: MaxArrayElements,
		MaxMapPairs:      MaxMapPairs,
		IndefLength:      cbor.IndefLengthAllowed,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err) // the options above are constants; this cannot happen
	}
	return dm
}

// fields is a decoded CBOR map whose values are still raw CBOR.
type fields map[string]cbor.RawMessage

// Decode decodes one frame into a Message. It returns an error wrapping
// ErrMalformed if b is not exactly one well-formed CBOR map within the limits
// or a field has the wrong CBOR type, and ErrMissingField if the message type
// requires a field that is absent. CBOR undefined and null count as absent.
// Unknown keys are ignored; unknown types decode with only Type, SenderID and
// TargetID set.
func Decode(b []byte) (*Message, error) {
	if m, ok := decodeDocFast(b); ok {
		return m, nil
	}
	f, err := decodeMap(b)
	if err != nil {
		return nil, err
	}
	typ, err := f.text("type", true)
	if err != nil {
		return nil, err
	}
	m := &Message{Type: typ}
	if err := decodeByType(f, m); err != nil {
		return nil, fmt.Errorf("%s message: %w", typ, err)
	}
	return m, nil
}

// decodeMap decodes b, which must hold one CBOR map and nothing else.
func decodeMap(b []byte) (fields, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrMalformed)
	}
	if major(b[0]) != majorMap {
		return nil, fmt.Errorf("%w: top level is %s, want map", ErrMalformed, describe(b[0]))
	}
	var f fields
	if err := decMode.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return f, nil
}

// decodeByType fills m with the fields its type needs.
func decodeByType(f fields, m *Message) error {
	switch m.Type {
	case TypeJoin:
		return decodeJoin(f, m)
	case TypePeer:
		return decodePeer(f, m)
	case TypeError:
		return decodeError(f, m)
	case TypeSync, TypeRequest:
		return decodeDocMessage(f, m, true)
	case TypeDocUnavailable:
		return decodeDocMessage(f, m, false)
	case TypeEphemeral:
		return decodeEphemeral(f, m)
	default:
		return decodeEnvelope(f, m, false, false)
	}
}

// decodeEnvelope reads senderId and targetId, each required or optional.
func decodeEnvelope(f fields, m *Message, needSender, needTarget bool) error {
	s, err := f.text("senderId", needSender)
	if err != nil {
		return err
	}
	t, err := f.text("targetId", needTarget)
	if err != nil {
		return err
	}
	m.SenderID, m.TargetID = PeerID(s), PeerID(t)
	return nil
}

func decodeJoin(f fields, m *Message) error {
	if err := decodeEnvelope(f, m, true, false); err != nil {
		return err
	}
	var err error
	if m.PeerMetadata, err = f.peerMetadata("peerMetadata"); err != nil {
		return err
	}
	m.SupportedProtocolVersions, err = f.textArray("supportedProtocolVersions")
	return err
}

func decodePeer(f fields, m *Message) error {
	if err := decodeEnvelope(f, m, true, true); err != nil {
		return err
	}
	var err error
	if m.PeerMetadata, err = f.peerMetadata("peerMetadata"); err != nil {
		return err
	}
	m.SelectedProtocolVersion, err = f.text("selectedProtocolVersion", false)
	return err
}

func decodeError(f fields, m *Message) error {
	if err := decodeEnvelope(f, m, true, false); err != nil {
		return err
	}
	var err error
	m.ErrorMessage, err = f.text("message", false)
	return err
}

// decodeDocMessage decodes sync, request (withData) and doc-unavailable.
func decodeDocMessage(f fields, m *Message, withData bool) error {
	if err := decodeEnvelope(f, m, true, true); err != nil {
		return err
	}
	var err error
	if m.DocumentID, err = f.docID("documentId"); err != nil {
		return err
	}
	if withData {
		m.Data, err = f.bytes("data")
	}
	return err
}

func decodeEphemeral(f fields, m *Message) error {
	if err := decodeDocMessage(f, m, true); err != nil {
		return err
	}
	var err error
	if m.Count, err = f.count("count"); err != nil {
		return err
	}
	m.SessionID, err = f.text("sessionId", true)
	return err
}

// get returns the raw value of key, or nil if it is absent, undefined or null.
func (f fields) get(key string) cbor.RawMessage {
	raw := f[key]
	if len(raw) == 0 || raw[0] == cborUndefined || raw[0] == cborNull {
		return nil
	}
	return raw
}

// text reads a text string. A required string must be present and non-empty.
func (f fields) text(key string, required bool) (string, error) {
	raw := f.get(key)
	if raw == nil {
		if required {
			return "", fmt.Errorf("%w: %q", ErrMissingField, key)
		}
		return "", nil
	}
	if major(raw[0]) != majorText {
		return "", wrongType(key, "text string", raw[0])
	}
	var s string
	if err := decMode.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrMalformed, key, err)
	}
	if required && s == "" {
		return "", fmt.Errorf("%w: %q is empty", ErrMissingField, key)
	}
	return s, nil
}

// bytes reads a required, non-empty byte string, optionally wrapped in tag 64
// (a Uint8Array, which cbor-x emits unless tagUint8Array is false).
func (f fields) bytes(key string) ([]byte, error) {
	raw := f.get(key)
	if raw == nil {
		return nil, fmt.Errorf("%w: %q", ErrMissingField, key)
	}
	if len(raw) >= 2 && raw[0] == cborTag64 && raw[1] == 0x40 {
		raw = raw[2:]
	}
	if len(raw) == 0 || major(raw[0]) != majorBytes {
		return nil, wrongType(key, "byte string", first(raw))
	}
	var b []byte
	if err := decMode.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrMalformed, key, err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: %q is empty", ErrMissingField, key)
	}
	return b, nil
}

// count reads a required non-negative integer, sent either as a CBOR
// unsigned integer or, as cbor-x may, as an integral float.
func (f fields) count(key string) (uint64, error) {
	raw := f.get(key)
	if raw == nil {
		return 0, fmt.Errorf("%w: %q", ErrMissingField, key)
	}
	switch {
	case major(raw[0]) == majorUint:
		var n uint64
		if err := decMode.Unmarshal(raw, &n); err != nil {
			return 0, fmt.Errorf("%w: %q: %w", ErrMalformed, key, err)
		}
		return n, nil
	case raw[0] == cborFloat16 || raw[0] == cborFloat32 || raw[0] == cborFloat64:
		var x float64
		if err := decMode.Unmarshal(raw, &x); err != nil {
			return 0, fmt.Errorf("%w: %q: %w", ErrMalformed, key, err)
		}
		if x < 0 || x > maxSafeInteger || x != math.Trunc(x) {
			return 0, fmt.Errorf("%w: %q: %v is not a non-negative integer", ErrMalformed, key, x)
		}
		return uint64(x), nil
	default:
		return 0, wrongType(key, "unsigned integer", raw[0])
	}
}

// docID reads a required documentId and validates it.
func (f fields) docID(key string) (store.DocID, error) {
	s, err := f.text(key, true)
	if err != nil {
		return "", err
	}
	id, err := ParseDocID(s)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrMalformed, key, err)
	}
	return id, nil
}

// textArray reads an optional array of text strings; nil when absent.
func (f fields) textArray(key string) ([]string, error) {
	raw := f.get(key)
	if raw == nil {
		return nil, nil
	}
	if major(raw[0]) != majorArray {
		return nil, wrongType(key, "array", raw[0])
	}
	var items []cbor.RawMessage
	if err := decMode.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrMalformed, key, err)
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		if len(item) == 0 || major(item[0]) != majorText {
			return nil, wrongType(fmt.Sprintf("%s[%d]", key, i), "text string", first(item))
		}
		var s string
		if err := decMode.Unmarshal(item, &s); err != nil {
			return nil, fmt.Errorf("%w: %q: %w", ErrMalformed, key, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// peerMetadata reads an optional {storageId?, isEphemeral?} map; nil when absent.
func (f fields) peerMetadata(key string) (*PeerMetadata, error) {
	raw := f.get(key)
	if raw == nil {
		return nil, nil
	}
	if major(raw[0]) != majorMap {
		return nil, wrongType(key, "map", raw[0])
	}
	var inner fields
	if err := decMode.Unmarshal(raw, &inner); err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrMalformed, key, err)
	}
	sid, err := inner.text("storageId", false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	pm := &PeerMetadata{StorageID: sid}
	if v := inner.get("isEphemeral"); v != nil {
		if v[0] != cborTrue && v[0] != cborFalse {
			return nil, wrongType(key+".isEphemeral", "boolean", v[0])
		}
		pm.IsEphemeral = v[0] == cborTrue
	}
	return pm, nil
}

func major(b byte) byte { return b >> 5 }

func first(raw cbor.RawMessage) byte {
	if len(raw) == 0 {
		return cborUndefined
	}
	return raw[0]
}

func wrongType(key, want string, got byte) error {
	return fmt.Errorf("%w: %q: want %s, got %s", ErrMalformed, key, want, describe(got))
}

// describe names the CBOR type an initial byte introduces, for error messages.
func describe(b byte) string {
	switch major(b) {
	case majorUint:
		return "unsigned integer"
	case 1:
		return "negative integer"
	case majorBytes:
		return "byte string"
	case majorText:
		return "text string"
	case majorArray:
		return "array"
	case majorMap:
		return "map"
	case majorTag:
		return "tag"
	}
	switch b {
	case cborFalse, cborTrue:
		return "boolean"
	case cborNull:
		return "null"
	case cborUndefined:
		return "undefined"
	case cborFloat16, cborFloat32, cborFloat64:
		return "float"
	}
	return fmt.Sprintf("simple value 0x%02x", b)
}
