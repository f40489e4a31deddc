package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"atelier/server/auth"
	"atelier/store"
)

const (
	tokWorld1 = "0b6c2a52-3f1e-4c43-9d0a-6d1a2b3c4d5e"
	tokWorld2 = "7f000000-0000-4000-8000-000000000001"
	tokSecret = "0123456789abcdef0123456789abcdef"
)

func TestRunToken(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(tokSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(dir, "empty")
	if err := os.WriteFile(emptyFile, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     string
		want    *auth.Principal
		ttlSecs int64
		err     error
		stderr  string
	}{
		{name: "world role", args: []string{"--user", "alice", "--world", tokWorld1, "--role", "editor", "--secret", tokSecret},
			want: &auth.Principal{User: "alice", Worlds: map[store.WorldID]auth.Role{tokWorld1: auth.RoleEditor}}, ttlSecs: 720 * 3600},
		{name: "two worlds and all", args: []string{"--user", "bob", "--world", tokWorld1, "--world", tokWorld2, "--role", "viewer", "--all-worlds", "reviewer", "--secret", tokSecret},
			want: &auth.Principal{User: "bob", All: auth.RoleReviewer, Worlds: map[store.WorldID]auth.Role{tokWorld1: auth.RoleViewer, tokWorld2: auth.RoleViewer}}},
		{name: "env secret and ttl", args: []string{"--user", "ops", "--all-worlds", "owner", "--ttl", "90m"}, env: tokSecret,
			want: &auth.Principal{User: "ops", All: auth.RoleOwner}, ttlSecs: 5400},
		{name: "secret file", args: []string{"-user=carol", "-all-worlds=viewer", "-secret-file", secretFile},
			want: &auth.Principal{User: "carol", All: auth.RoleViewer}},
		{name: "short secret warns", args: []string{"--user", "dan", "--all-worlds", "viewer", "--secret", "short"}, stderr: "warning: the secret is 5 bytes"},
		{name: "no user", args: []string{"--all-worlds", "owner", "--secret", tokSecret}, err: errTokenArgs},
		{name: "nothing granted", args: []string{"--user", "alice", "--secret", tokSecret}, err: errTokenArgs},
		{name: "world without role", args: []string{"--user", "alice", "--world", tokWorld1, "--secret", tokSecret}, err: errTokenArgs},
		{name: "role without world", args: []string{"--user", "alice", "--role", "owner", "--secret", tokSecret}, err: errTokenArgs},
		{name: "bad role", args: []string{"--user", "alice", "--world", tokWorld1, "--role", "admin", "--secret", tokSecret}, err: auth.ErrBadRole},
		{name: "bad all-worlds role", args: []string{"--user", "alice", "--all-worlds", "root", "--secret", tokSecret}, err: auth.ErrBadRole},
		{name: "bad world id", args: []string{"--user", "alice", "--world", "my-world", "--role", "editor", "--secret", tokSecret}, err: errTokenArgs},
		{name: "bad user", args: []string{"--user", "a\tb", "--all-worlds", "viewer", "--secret", tokSecret}, err: auth.ErrBadUser},
		{name: "zero ttl", args: []string{"--user", "alice", "--all-worlds", "viewer", "--ttl", "0s", "--secret", tokSecret}, err: errTokenArgs},
		{name: "no secret", args: []string{"--user", "alice", "--all-worlds", "viewer"}, err: errTokenArgs},
		{name: "two secrets", args: []string{"--user", "alice", "--all-worlds", "viewer", "--secret", tokSecret, "--secret-file", secretFile}, err: errTokenArgs},
		{name: "missing secret file", args: []string{"--user", "alice", "--all-worlds", "viewer", "--secret-file", filepath.Join(dir, "nope")}, err: os.ErrNotExist},
		{name: "empty secret file", args: []string{"--user", "alice", "--all-worlds", "viewer", "--secret-file", emptyFile}, err: errTokenArgs},
		{name: "extra argument", args: []string{"--user", "alice", "--all-worlds", "viewer", "--secret", tokSecret, "extra"}, err: errTokenArgs},
		{name: "unknown flag", args: []string{"--user", "alice", "--bogus"}, err: errUsage, stderr: "flag provided but not defined"},
		{name: "bad ttl syntax", args: []string{"--user", "alice", "--ttl", "soon"}, err: errUsage},
		{name: "help", args: []string{"-h"}, err: errUsage, stderr: "usage: atelier token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(secretEnv, tt.env)
			var stdout, stderr bytes.Buffer
			err := runToken(tt.args, &stdout, &stderr)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("runToken = %v, want %v", err, tt.err)
				}
				if stdout.Len() > 0 {
					t.Errorf("stdout = %q on error", stdout.String())
				}
			} else if err != nil {
				t.Fatalf("runToken = %v (stderr %q)", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.stderr)
			}
			if tt.want != nil {
				checkToken(t, stdout.String(), *tt.want, tt.ttlSecs)
			}
		})
	}
}

// checkToken verifies a printed token with the secret and compares its claims.
func checkToken(t *testing.T, out string, want auth.Principal, ttlSecs int64) {
	t.Helper()
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("stdout = %q, want one line", out)
	}
	tok := strings.TrimSpace(out)
	got, err := auth.NewAuthenticator([]byte(tokSecret), false).Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if len(want.Worlds) == 0 {
		want.Worlds = got.Worlds // nil and empty are the same grant
		if len(got.Worlds) != 0 {
			t.Errorf("worlds = %v, want none", got.Worlds)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("token principal = %+v, want %+v", got, want)
	}
	if ttlSecs == 0 {
		return
	}
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, c); err != nil {
		t.Fatal(err)
	}
	if exp, iat := c["exp"].(float64), c["iat"].(float64); int64(exp-iat) != ttlSecs {
		t.Errorf("exp - iat = %v s, want %d", exp-iat, ttlSecs)
	}
}
