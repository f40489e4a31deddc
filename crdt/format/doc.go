// Package format encodes and decodes the automerge binary formats Atelier's
// sync engine handles natively in Go: change chunks (with hash and checksum
// verification and full op-column validation), sync messages (V1 0x42, and
// the V2 0x43 envelope when it carries change chunks), and the sync protocol's
// bloom filter.
//
// Specification: the Automerge binary document format,
// https://automerge.org/automerge-binary-format-spec/, and the sync protocol
// of automerge-rs (rust/automerge/src/sync.rs, sync/bloom.rs). Where the spec
// and the reference implementation differ, this package follows the
// implementation.
package format
