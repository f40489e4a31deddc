package wire

import "errors"

// Sentinel errors. Callers test them with errors.Is; the package wraps them
// with context using %w.
var (
	// ErrMalformed means a frame is not one well-formed CBOR map within the
	// decoder's limits, or a field has the wrong CBOR type or an invalid value.
	ErrMalformed = errors.New("wire: malformed message")
	// ErrMissingField means a field the message type requires is absent (or,
	// for identifiers, empty).
	ErrMissingField = errors.New("wire: missing field")
	// ErrBadDocID means a string is not a bs58check DocumentId with a 16-byte
	// payload. Decode wraps it together with ErrMalformed.
	ErrBadDocID = errors.New("wire: invalid document id")
	// ErrBadDocURL means a string is not an automerge: URL.
	ErrBadDocURL = errors.New("wire: invalid automerge url")
	// ErrUnencodable means Encode was given a message it cannot write:
	// no type, or a type whose payload this package does not model
	// (remote-heads-changed).
	ErrUnencodable = errors.New("wire: cannot encode message")
)
