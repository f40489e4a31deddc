package auth

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/golang-jwt/jwt/v5"

	"atelier/store"
)

// Token parameters.
const (
	// Issuer is the "iss" claim of every token.
	Issuer = "atelier"
	// LocalUser names the local-mode user when a request has no "user" parameter.
	LocalUser = "local"
	// Leeway is the clock skew tolerated when checking "exp" and "iat".
	Leeway = 30 * time.Second
	// maxTokenLen bounds the tokens Authenticate parses.
	maxTokenLen = 8 << 10
	// maxUserLen bounds user names.
	maxUserLen = 128
)

// claims is a token's payload.
type claims struct {
	Worlds map[store.WorldID]Role `json:"worlds,omitempty"`
	All    Role                   `json:"all,omitempty"`
	jwt.RegisteredClaims
}

// Authenticator verifies and issues tokens. It is safe for concurrent use.
type Authenticator struct {
	secret []byte
	local  bool
	now    func() time.Time
}

// NewAuthenticator returns an Authenticator for HS256 tokens signed with
// secret. With local true, a request without a token (or any request, when
// secret is empty) authenticates as the owner of every world; with a secret,
// a token that is present must still be valid. Without local and without a
// secret, every request fails.
func NewAuthenticator(secret []byte, local bool) *Authenticator {
	return &Authenticator{secret: append([]byte(nil), secret...), local: local, now: time.Now}
}

// Authenticate returns the Principal a request speaks for. The token comes
// from "Authorization: Bearer <token>" or else the "token" query parameter.
// Errors wrap ErrNoToken (no token where one is needed), ErrBadToken
// (expired, not yet issued, bad signature, an algorithm other than HS256,
// invalid claims, an Authorization header that is not Bearer) or ErrBadUser
// (a local-mode "user" parameter that is not a valid name).
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	if a.local && len(a.secret) == 0 {
		return a.localPrincipal(r)
	}
	tok, err := tokenFrom(r)
	if err != nil {
		return Principal{}, err
	}
	if tok == "" {
		if a.local {
			return a.localPrincipal(r)
		}
		return Principal{}, ErrNoToken
	}
	return a.Verify(tok)
}

// Verify checks a token and returns its Principal. Errors wrap ErrBadToken.
func (a *Authenticator) Verify(token string) (Principal, error) {
	if len(a.secret) == 0 {
		return Principal{}, fmt.Errorf("%w: %w", ErrBadToken, ErrNoSecret)
	}
	if len(token) > maxTokenLen {
		return Principal{}, fmt.Errorf("%w: longer than %d bytes", ErrBadToken, maxTokenLen)
	}
	var c claims
	_, err := a.parser().ParseWithClaims(token, &c, a.key)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	if err := checkClaims(c.Subject, c.Worlds, c.All); err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	return Principal{User: c.Subject, Worlds: c.Worlds, All: c.All}, nil
}

// Issue returns a token for user with the given roles, valid for ttl. all
// is the role on every world, RoleNone for none.
func (a *Authenticator) Issue(user string, worlds map[store.WorldID]Role, all Role, ttl time.Duration) (string, error) {
	if len(a.secret) == 0 {
		return "", ErrNoSecret
	}
	if ttl <= 0 {
		return "", fmt.Errorf("%w: %v", ErrBadTTL, ttl)
	}
	if err := checkClaims(user, worlds, all); err != nil {
		return "", err
	}
	now := a.now()
	c := claims{
		Worlds: worlds,
		All:    all,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   user,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(a.secret)
}

func (a *Authenticator) parser() *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(a.now),
		jwt.WithStrictDecoding(),
	)
}

// key returns the HMAC secret, after checking (again, beside
// WithValidMethods) that the token is HS256: never "none", never a public-key
// algorithm whose verifier could be handed the secret.
func (a *Authenticator) key(t *jwt.Token) (any, error) {
	if t.Method != jwt.SigningMethodHS256 {
		return nil, fmt.Errorf("algorithm %v is not HS256", t.Header["alg"])
	}
	return a.secret, nil
}

func (a *Authenticator) localPrincipal(r *http.Request) (Principal, error) {
	var user string
	if r.URL != nil {
		user = r.URL.Query().Get("user")
	}
	if user == "" {
		user = LocalUser
	}
	if err := checkUser(user); err != nil {
		return Principal{}, err
	}
	return Principal{User: user, Local: true, All: RoleOwner}, nil
}

// tokenFrom returns the request's token, "" if it has none.
func tokenFrom(r *http.Request) (string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return "", fmt.Errorf("%w: Authorization scheme %q is not Bearer", ErrBadToken, scheme)
		}
		if tok = strings.TrimSpace(tok); tok == "" {
			return "", fmt.Errorf("%w: empty Bearer token", ErrBadToken)
		}
		return tok, nil
	}
	if r.URL == nil {
		return "", nil
	}
	return r.URL.Query().Get("token"), nil
}

// checkClaims validates a user and their roles.
func checkClaims(user string, worlds map[store.WorldID]Role, all Role) error {
	if err := checkUser(user); err != nil {
		return err
	}
	if all != RoleNone && !all.Valid() {
		return fmt.Errorf("%w: all-worlds role %q", ErrBadRole, string(all))
	}
	for w, r := range worlds {
		if !ValidWorldID(w) {
			return fmt.Errorf("%w: %q", ErrBadWorld, string(w))
		}
		if !r.Valid() {
			return fmt.Errorf("%w: %q for world %s", ErrBadRole, string(r), w)
		}
	}
	return nil
}

// checkUser validates a user name: non-empty, at most 128 bytes, printable.
func checkUser(user string) error {
	if user == "" {
		return fmt.Errorf("%w: empty", ErrBadUser)
	}
	if len(user) > maxUserLen {
		return fmt.Errorf("%w: longer than %d bytes", ErrBadUser, maxUserLen)
	}
	if strings.IndexFunc(user, func(r rune) bool { return !unicode.IsPrint(r) || r == unicode.ReplacementChar }) >= 0 {
		return fmt.Errorf("%w: %q has unprintable characters", ErrBadUser, user)
	}
	return nil
}

// ValidWorldID reports whether w is a UUID in canonical text form
// (lowercase, 8-4-4-4-12).
func ValidWorldID(w store.WorldID) bool {
	if len(w) != 36 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
