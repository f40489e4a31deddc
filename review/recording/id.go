package recording

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// idBytes is the entropy of an id: 128 bits.
const idBytes = 16

// ID names a recording; it is also the name of the recording's directory.
// It is 128 random bits in unpadded base64url, so it is unguessable and safe
// in a URL path and a file name.
type ID string

// NewID returns a fresh recording id from crypto/rand.
func NewID() (ID, error) {
	s, err := randomToken()
	return ID(s), err
}

// ParseID checks that s has the form NewID makes (22 base64url characters
// encoding 16 bytes) and returns it as an ID; anything else, including a path,
// is ErrBadID.
func ParseID(s string) (ID, error) {
	if err := checkToken(s); err != nil {
		return "", err
	}
	return ID(s), nil
}

func randomToken() (string, error) {
	b := make([]byte, idBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("recording: random id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func checkToken(s string) error {
	if len(s) != base64.RawURLEncoding.EncodedLen(idBytes) {
		return fmt.Errorf("%w: %q", ErrBadID, s)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != idBytes || base64.RawURLEncoding.EncodeToString(b) != s {
		return fmt.Errorf("%w: %q", ErrBadID, s)
	}
	return nil
}
