package wire

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/mr-tron/base58"

	"atelier/store"
)

// URLPrefix starts every automerge document URL.
const URLPrefix = "automerge:"

// docIDLen is the payload of a DocumentId: the 16 bytes of a UUID.
const docIDLen = 16

// checksumLen is the bs58check checksum: the first 4 bytes of SHA256(SHA256(payload)).
const checksumLen = 4

// maxBS58Len bounds the strings handed to the base58 decoder, whose cost grows
// with the square of the length. A 36-byte bs58check value (a 32-byte change
// hash) is at most 50 characters.
const maxBS58Len = 64

// NewDocID returns a fresh random DocumentId: the bs58check encoding of 16
// random bytes laid out as a UUID version 4, as automerge-repo's
// generateAutomergeUrl makes them.
func NewDocID() store.DocID {
	var b [docIDLen]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return store.DocID(encodeCheck(b[:]))
}

// DocIDBytes returns the 16-byte payload of a valid DocumentId.
func DocIDBytes(id store.DocID) ([]byte, error) {
	b, err := decodeCheck(string(id))
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrBadDocID, string(id), err)
	}
	if len(b) != docIDLen {
		return nil, fmt.Errorf("%w: %q: payload is %d bytes, want %d", ErrBadDocID, string(id), len(b), docIDLen)
	}
	return b, nil
}

// DocIDFromBytes returns the DocumentId of a 16-byte payload.
func DocIDFromBytes(b []byte) (store.DocID, error) {
	if len(b) != docIDLen {
		return "", fmt.Errorf("%w: payload is %d bytes, want %d", ErrBadDocID, len(b), docIDLen)
	}
	return store.DocID(encodeCheck(b)), nil
}

// ParseDocID validates s as a DocumentId: bs58check (Bitcoin alphabet) with a
// correct checksum and a 16-byte payload. It returns an error wrapping
// ErrBadDocID otherwise. Unlike automerge-repo, which checks only the
// checksum, it insists on 16 bytes; it does not accept legacy UUID strings.
func ParseDocID(s string) (store.DocID, error) {
	if _, err := DocIDBytes(store.DocID(s)); err != nil {
		return "", err
	}
	return store.DocID(s), nil
}

// DocURL returns the automerge: URL of a document.
func DocURL(id store.DocID) string { return URLPrefix + string(id) }

// ParseDocURL returns the DocumentId of an automerge: URL, "automerge:<id>"
// optionally followed by "#" and heads (bs58check change hashes joined by
// "|", possibly none), as automerge-repo's parseAutomergeUrl accepts. It
// returns an error wrapping ErrBadDocURL, and ErrBadDocID when the id is the
// problem.
func ParseDocURL(u string) (store.DocID, error) {
	rest, ok := strings.CutPrefix(u, URLPrefix)
	if !ok {
		return "", fmt.Errorf("%w: %q lacks the %q prefix", ErrBadDocURL, u, URLPrefix)
	}
	idPart, heads, hasHeads := strings.Cut(rest, "#")
	id, err := ParseDocID(idPart)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadDocURL, err)
	}
	if hasHeads {
		if err := checkHeads(heads); err != nil {
			return "", fmt.Errorf("%w: %q: %w", ErrBadDocURL, u, err)
		}
	}
	return id, nil
}

// checkHeads validates the heads section of a URL: empty, or bs58check
// values joined by "|".
func checkHeads(section string) error {
	if section == "" {
		return nil
	}
	for _, h := range strings.Split(section, "|") {
		if _, err := decodeCheck(h); err != nil {
			return fmt.Errorf("head %q: %w", h, err)
		}
	}
	return nil
}

// encodeCheck returns the bs58check encoding of payload.
func encodeCheck(payload []byte) string {
	buf := make([]byte, 0, len(payload)+checksumLen)
	buf = append(buf, payload...)
	buf = append(buf, checksum(payload)...)
	return base58.Encode(buf)
}

// decodeCheck returns the payload of a bs58check string.
func decodeCheck(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	if len(s) > maxBS58Len {
		return nil, fmt.Errorf("%d characters is too long", len(s))
	}
	raw, err := base58.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("base58: %w", err)
	}
	if len(raw) < checksumLen+1 {
		return nil, fmt.Errorf("%d bytes is too short", len(raw))
	}
	payload, sum := raw[:len(raw)-checksumLen], raw[len(raw)-checksumLen:]
	if !bytes.Equal(sum, checksum(payload)) {
		return nil, errors.New("bad checksum")
	}
	return payload, nil
}

func checksum(payload []byte) []byte {
	first := sha256.Sum256(payload)
	second := sha256.Sum256(first[:])
	return second[:checksumLen]
}
