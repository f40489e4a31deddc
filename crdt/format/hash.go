package format

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
)

// ChangeHash identifies a change: the SHA-256 of its uncompressed change
// chunk (type byte, uLEB body length and body; see the binary format spec,
// "Change hash").
type ChangeHash [32]byte

// String returns the hash as 64 lowercase hexadecimal digits, the form the
// automerge JS and Go APIs use.
func (h ChangeHash) String() string {
	return hex.EncodeToString(h[:])
}

// ParseHash parses 64 hexadecimal digits (either case) into a ChangeHash.
func ParseHash(s string) (ChangeHash, error) {
	var h ChangeHash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("%w: length %d", ErrBadHash, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return ChangeHash{}, fmt.Errorf("%w: %w", ErrBadHash, err)
	}
	return h, nil
}

// compareHashes orders hashes by their bytes.
func compareHashes(a, b ChangeHash) int {
	return bytes.Compare(a[:], b[:])
}

// SortHashes sorts hs in ascending byte order, the order automerge writes
// hash arrays on the wire.
func SortHashes(hs []ChangeHash) {
	slices.SortFunc(hs, compareHashes)
}
