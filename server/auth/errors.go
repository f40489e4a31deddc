package auth

import "errors"

// Sentinel errors. Callers test them with errors.Is; the package wraps them
// with context using %w. Authenticate returns only ErrNoToken, ErrBadToken and
// ErrBadUser; the edge maps all three to 401.
var (
	// ErrNoToken means the request carries no token and none is optional.
	ErrNoToken = errors.New("auth: no token")
	// ErrBadToken means the token is malformed, expired, not yet valid, signed
	// with another key or algorithm, or carries invalid claims.
	ErrBadToken = errors.New("auth: invalid token")
	// ErrNoSecret means tokens cannot be issued or verified because no
	// secret is configured.
	ErrNoSecret = errors.New("auth: no secret configured")
	// ErrBadRole means a string is not one of the four roles.
	ErrBadRole = errors.New("auth: invalid role")
	// ErrBadUser means a user name is empty, too long or has control characters.
	ErrBadUser = errors.New("auth: invalid user name")
	// ErrBadWorld means a world id is not a UUID in canonical text form.
	ErrBadWorld = errors.New("auth: invalid world id")
	// ErrBadTTL means a token lifetime is not positive.
	ErrBadTTL = errors.New("auth: invalid token lifetime")
)
