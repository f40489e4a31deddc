package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"atelier/store"
)

const (
	world1 store.WorldID = "0b6c2a52-3f1e-4c43-9d0a-6d1a2b3c4d5e"
	world2 store.WorldID = "7f000000-0000-4000-8000-000000000001"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	epoch  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// newAuth returns an Authenticator whose clock reads epoch.
func newAuth(secret []byte, local bool) *Authenticator {
	a := NewAuthenticator(secret, local)
	a.now = func() time.Time { return epoch }
	return a
}

func issue(t *testing.T, a *Authenticator, user string, worlds map[store.WorldID]Role, all Role, ttl time.Duration) string {
	t.Helper()
	tok, err := a.Issue(user, worlds, all, ttl)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return tok
}

// sign signs arbitrary claims with any method, for tokens Issue never makes.
func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "alice", "iss": Issuer, "worlds": map[string]string{string(world1): "editor"},
		"iat": epoch.Unix(), "exp": epoch.Add(time.Hour).Unix(),
	}
}

func with(c jwt.MapClaims, k string, v any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for key, val := range c {
		out[key] = val
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

// tamper replaces a token's payload, keeping its header and signature.
func tamper(t *testing.T, tok, payload string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", tok, len(parts))
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(payload))
	return strings.Join(parts, ".")
}

func request(header, query string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/sync?"+query, nil)
	if header != "" {
		r.Header.Set("Authorization", header)
	}
	return r
}

func TestAuthenticateTokens(t *testing.T) {
	a := newAuth(secret, false)
	editor := issue(t, a, "alice", map[store.WorldID]Role{world1: RoleEditor}, RoleNone, time.Hour)
	alice := Principal{User: "alice", Worlds: map[store.WorldID]Role{world1: RoleEditor}}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  *http.Request
		want Principal
		err  error
	}{
		{"bearer header", request("Bearer "+editor, ""), alice, nil},
		{"lowercase scheme", request("bearer "+editor, ""), alice, nil},
		{"query token", request("", "token="+url.QueryEscape(editor)), alice, nil},
		{"header wins over query", request("Bearer "+editor, "token=garbage"), alice, nil},
		{"all worlds", request("Bearer "+issue(t, a, "bob", nil, RoleViewer, time.Minute), ""), Principal{User: "bob", All: RoleViewer}, nil},
		{"no token", request("", ""), Principal{}, ErrNoToken},
		{"empty query token", request("", "token="), Principal{}, ErrNoToken},
		{"basic scheme", request("Basic YWxpY2U6eA==", ""), Principal{}, ErrBadToken},
		{"empty bearer", request("Bearer ", ""), Principal{}, ErrBadToken},
		{"garbage", request("Bearer not.a.jwt", ""), Principal{}, ErrBadToken},
		{"expired", request("Bearer "+issue(t, newAuthAt(secret, epoch.Add(-2*time.Hour)), "alice", nil, RoleOwner, time.Hour), ""), Principal{}, ErrBadToken},
		{"within leeway", request("Bearer "+issue(t, newAuthAt(secret, epoch.Add(-time.Hour-Leeway/2)), "alice", nil, RoleOwner, time.Hour), ""), Principal{User: "alice", All: RoleOwner}, nil},
		{"issued in the future", request("Bearer "+issue(t, newAuthAt(secret, epoch.Add(time.Hour)), "alice", nil, RoleOwner, time.Hour), ""), Principal{}, ErrBadToken},
		{"other secret", request("Bearer "+issue(t, newAuth([]byte("another secret, 32 bytes long!!"), false), "alice", nil, RoleOwner, time.Hour), ""), Principal{}, ErrBadToken},
		{"tampered payload", request("Bearer "+tamper(t, editor, `{"sub":"alice","iss":"atelier","all":"owner","iat":1772366400,"exp":1772370000}`), ""), Principal{}, ErrBadToken},
		{"alg none", request("Bearer "+sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, validClaims()), ""), Principal{}, ErrBadToken},
		{"alg none, header rewritten", request("Bearer "+noneHeader(editor), ""), Principal{}, ErrBadToken},
		{"HS512", request("Bearer "+sign(t, jwt.SigningMethodHS512, secret, validClaims()), ""), Principal{}, ErrBadToken},
		{"HS384", request("Bearer "+sign(t, jwt.SigningMethodHS384, secret, validClaims()), ""), Principal{}, ErrBadToken},
		{"RS256", request("Bearer "+sign(t, jwt.SigningMethodRS256, rsaKey, validClaims()), ""), Principal{}, ErrBadToken},
		{"hand-made HS256", request("Bearer "+sign(t, jwt.SigningMethodHS256, secret, validClaims()), ""), alice, nil},
		{"wrong issuer", request("Bearer "+sign(t, jwt.SigningMethodHS256, secret, with(validClaims(), "iss", "other")), ""), Principal{}, ErrBadToken},
		{"no issuer", request("Bearer "+sign(t, jwt.SigningMethodHS256, secret, with(validClaims(), "iss", nil)), ""), Principal{}, ErrBadToken},
		{"no exp", request("Bearer "+sign(t, jwt.SigningMethodHS256, secret, with(validClaims(), "exp", nil)), ""), Principal{}, ErrBadToken},
		{"no sub", request("Bearer "+sign(t, jwt.SigningMethodHS256, secret, with(validClaims(), "sub", nil)), ""), Principal{}, ErrBadToken},
		{"bad role", request("Bearer "+sign(t, jwt.SigningMethodHS256, secret, with(validClaims(), "worlds", map[string]string{string(world1): "god"})), ""), Principal{}, ErrBadToken},
		{"bad all role", request("Bearer "+sign(t, jwt.SigningMethodHS256, secret, with(validClaims(), "all", "admin")), ""), Principal{}, ErrBadToken},
		{"bad world id", request("Bearer "+sign(t, jwt.SigningMethodHS256, secret, with(validClaims(), "worlds", map[string]string{"w1": "owner"})), ""), Principal{}, ErrBadToken},
		{"worlds not a map", request("Bearer "+sign(t, jwt.SigningMethodHS256, secret, with(validClaims(), "worlds", []string{"x"})), ""), Principal{}, ErrBadToken},
		{"huge token", request("Bearer "+strings.Repeat("a", maxTokenLen+1), ""), Principal{}, ErrBadToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Authenticate(tt.req)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Authenticate = %+v, %v; want error %v", got, err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Authenticate = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func newAuthAt(secret []byte, at time.Time) *Authenticator {
	a := NewAuthenticator(secret, false)
	a.now = func() time.Time { return at }
	return a
}

// noneHeader rewrites a valid token's header to alg "none" and drops the signature.
func noneHeader(tok string) string {
	parts := strings.Split(tok, ".")
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return h + "." + parts[1] + "."
}

func TestAuthenticateLocal(t *testing.T) {
	signed := newAuth(secret, true)
	tok := issue(t, signed, "alice", map[store.WorldID]Role{world1: RoleViewer}, RoleNone, time.Hour)
	owner := func(user string) Principal { return Principal{User: user, Local: true, All: RoleOwner} }
	tests := []struct {
		name string
		a    *Authenticator
		req  *http.Request
		want Principal
		err  error
	}{
		{"default user", newAuth(nil, true), request("", ""), owner(LocalUser), nil},
		{"user parameter", newAuth(nil, true), request("", "user=alice"), owner("alice"), nil},
		{"tokens ignored without secret", newAuth(nil, true), request("Bearer garbage", "user=bob"), owner("bob"), nil},
		{"bad user", newAuth(nil, true), request("", "user=%00x"), Principal{}, ErrBadUser},
		{"long user", newAuth(nil, true), request("", "user="+strings.Repeat("u", maxUserLen+1)), Principal{}, ErrBadUser},
		{"secret, no token", signed, request("", "user=carol"), owner("carol"), nil},
		{"secret, valid token", signed, request("Bearer "+tok, "user=carol"),
			Principal{User: "alice", Worlds: map[store.WorldID]Role{world1: RoleViewer}}, nil},
		{"secret, bad token", signed, request("Bearer garbage", "user=carol"), Principal{}, ErrBadToken},
		{"no secret, not local", newAuth(nil, false), request("Bearer "+tok, ""), Principal{}, ErrBadToken},
		{"no secret, not local, no token", newAuth(nil, false), request("", ""), Principal{}, ErrNoToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Authenticate(tt.req)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Authenticate = %+v, %v; want error %v", got, err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Authenticate = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestIssue(t *testing.T) {
	a := newAuth(secret, false)
	tests := []struct {
		name   string
		a      *Authenticator
		user   string
		worlds map[store.WorldID]Role
		all    Role
		ttl    time.Duration
		err    error
	}{
		{"editor", a, "alice", map[store.WorldID]Role{world1: RoleEditor, world2: RoleViewer}, RoleNone, time.Hour, nil},
		{"all worlds only", a, "ops", nil, RoleOwner, time.Minute, nil},
		{"no roles at all", a, "nobody", nil, RoleNone, time.Minute, nil},
		{"no secret", newAuth(nil, true), "alice", nil, RoleOwner, time.Hour, ErrNoSecret},
		{"empty user", a, "", nil, RoleOwner, time.Hour, ErrBadUser},
		{"control char user", a, "al\nice", nil, RoleOwner, time.Hour, ErrBadUser},
		{"bad world role", a, "alice", map[store.WorldID]Role{world1: "admin"}, RoleNone, time.Hour, ErrBadRole},
		{"empty world role", a, "alice", map[store.WorldID]Role{world1: RoleNone}, RoleNone, time.Hour, ErrBadRole},
		{"bad all role", a, "alice", nil, "root", time.Hour, ErrBadRole},
		{"bad world id", a, "alice", map[store.WorldID]Role{"W1": RoleEditor}, RoleNone, time.Hour, ErrBadWorld},
		{"uppercase world id", a, "alice", map[store.WorldID]Role{"0B6C2A52-3F1E-4C43-9D0A-6D1A2B3C4D5E": RoleEditor}, RoleNone, time.Hour, ErrBadWorld},
		{"zero ttl", a, "alice", nil, RoleOwner, 0, ErrBadTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.a.Issue(tt.user, tt.worlds, tt.all, tt.ttl)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Issue = %q, %v; want error %v", tok, err, tt.err)
			}
			if err != nil {
				return
			}
			p, err := tt.a.Verify(tok)
			if err != nil {
				t.Fatalf("Verify(Issue) = %v", err)
			}
			if p.User != tt.user || p.All != tt.all || len(p.Worlds) != len(tt.worlds) {
				t.Fatalf("Verify(Issue) = %+v", p)
			}
			for w, r := range tt.worlds {
				if p.Worlds[w] != r {
					t.Errorf("world %s: role %q, want %q", w, p.Worlds[w], r)
				}
			}
		})
	}
}

// TestIssueClaims checks the registered claims a token carries.
func TestIssueClaims(t *testing.T) {
	tok := issue(t, newAuth(secret, false), "alice", map[store.WorldID]Role{world1: RoleReviewer}, RoleViewer, 2*time.Hour)
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, c); err != nil {
		t.Fatal(err)
	}
	want := jwt.MapClaims{
		"sub": "alice", "iss": "atelier", "all": "viewer",
		"worlds": map[string]any{string(world1): "reviewer"},
		"iat":    float64(epoch.Unix()), "exp": float64(epoch.Add(2 * time.Hour).Unix()),
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("claims = %v, want %v", c, want)
	}
}

// FuzzVerify checks that Verify never panics and that everything it accepts
// names a valid user.
func FuzzVerify(f *testing.F) {
	a := newAuth(secret, false)
	tok, err := a.Issue("alice", map[store.WorldID]Role{world1: RoleEditor}, RoleNone, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add(noneHeader(tok))
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := a.Verify(s)
		if err != nil {
			if !errors.Is(err, ErrBadToken) {
				t.Fatalf("Verify error %v does not wrap ErrBadToken", err)
			}
			return
		}
		if checkUser(p.User) != nil {
			t.Fatalf("accepted token for invalid user %q", p.User)
		}
	})
}
