package format

import "errors"

// Sentinel errors returned (wrapped with %w) by the decoders in this package.
// Test for them with errors.Is.
var (
	// ErrTruncated means the input ended before a complete value, or a length
	// prefix promised more bytes than remain in the input.
	ErrTruncated = errors.New("format: truncated input")

	// ErrBadLEB means a LEB128 number was overlong (not in its shortest form)
	// or too large for its destination type.
	ErrBadLEB = errors.New("format: malformed LEB128 number")

	// ErrBadMagic means a chunk did not start with the magic bytes 85 6f 4a 83.
	ErrBadMagic = errors.New("format: bad chunk magic")

	// ErrChecksum means a chunk's header checksum does not match the first
	// four bytes of the SHA-256 of its (uncompressed) contents.
	ErrChecksum = errors.New("format: chunk checksum mismatch")

	// ErrHashMismatch means a change's computed hash differs from the hash
	// the caller expected (see Change.VerifyHash).
	ErrHashMismatch = errors.New("format: change hash mismatch")

	// ErrDocumentChunk means a document chunk (type 0x00) was found where a
	// change chunk was expected.
	ErrDocumentChunk = errors.New("format: document chunk, not a change")

	// ErrUnknownChunk means a chunk type other than document (0x00), change
	// (0x01) or compressed change (0x02).
	ErrUnknownChunk = errors.New("format: unsupported chunk type")

	// ErrBadChange means a change chunk's body is malformed outside its op
	// columns: a zero startOp, a message that is not UTF-8, a bad DEFLATE
	// stream, a body that is too large, or counters that overflow.
	ErrBadChange = errors.New("format: malformed change")

	// ErrBadColumn means an op column is malformed: bad run-length or boolean
	// encoding, columns with differing op counts, a null where a value is
	// required, an actor index out of range, or value metadata that does not
	// match the raw value column.
	ErrBadColumn = errors.New("format: malformed op column")

	// ErrTooManyOps means a change declares more operations (or
	// predecessors) than MaxChangeOps allows.
	ErrTooManyOps = errors.New("format: too many operations in change")

	// ErrBadSyncMessage means a sync message is malformed: an unknown type
	// byte, truncated arrays, or trailing bytes that are not a flags section.
	ErrBadSyncMessage = errors.New("format: malformed sync message")

	// ErrBadBloom means an encoded bloom filter is malformed.
	ErrBadBloom = errors.New("format: malformed bloom filter")

	// ErrBadHash means a string is not a 64-digit hexadecimal change hash.
	ErrBadHash = errors.New("format: malformed change hash")
)
