// Package wire encodes and decodes the messages of the automerge-repo network
// protocol, version 1, as spoken over WebSocket by @automerge/automerge-repo
// 2.x and @automerge/automerge-repo-network-websocket 2.x: one CBOR map per
// binary frame (RFC 8949), with text keys.
//
// Decode is strict about what each message type needs (required fields present
// and of the right CBOR type, documentId a valid bs58check DocumentId) and
// lenient exactly where cbor-x, the JS encoder, is unusual: 16-bit map
// headers (0xb9), undefined (0xf7) for absent values, float64 for large
// integers, unknown keys. It bounds nesting, map size and array size, and never
// panics. Encode writes definite-length maps holding only the fields a type
// uses.
//
// The package also owns the identifiers that appear on the wire: DocumentIds
// (bs58check of 16 random bytes) and automerge: URLs.
//
// References: automerge-repo src/network/messages.ts and
// automerge-repo-network-websocket src/messages.ts (v2.5.6), and
// /work/shared/notes/automerge-protocols.md §1.
package wire
