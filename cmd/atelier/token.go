package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"atelier/server/auth"
	"atelier/store"
)

// secretEnv names the environment variable holding the token secret.
const secretEnv = "ATELIER_SECRET"

// minSecretLen is the secret length below which runToken warns: HS256 wants
// at least as many key bytes as its 32-byte output (RFC 7518 §3.2).
const minSecretLen = 32

// errTokenArgs marks mistakes in runToken's arguments that the flag package
// did not already report; its text prefixes them ("token: --user is required").
var errTokenArgs = errors.New("token")

// stringList is a repeatable string flag.
type stringList []string

// String returns the values joined by commas.
func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set appends one value.
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// tokenFlags are runToken's parsed flags.
type tokenFlags struct {
	user, role, all, secret, secretFile string
	worlds                              stringList
	ttl                                 time.Duration
}

// runToken implements "atelier token": it issues a bearer token and prints
// it on stdout. Flag syntax errors and -h, which the flag package has already
// reported on stderr, return errUsage (main.go); other bad arguments return
// an error wrapping errTokenArgs.
//
//	atelier token --user alice --world ID --role editor [--all-worlds ROLE]
//	    [--ttl 720h] [--secret S | --secret-file F]   (default: $ATELIER_SECRET)
func runToken(args []string, stdout, stderr io.Writer) error {
	var f tokenFlags
	fs := flag.NewFlagSet("atelier token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.user, "user", "", "user the token names (required)")
	fs.Var(&f.worlds, "world", "world id to grant --role on (repeatable)")
	fs.StringVar(&f.role, "role", "", "role on each --world: owner, editor, reviewer or viewer")
	fs.StringVar(&f.all, "all-worlds", "", "role on every world: owner, editor, reviewer or viewer")
	fs.DurationVar(&f.ttl, "ttl", 720*time.Hour, "how long the token is valid")
	fs.StringVar(&f.secret, "secret", "", "signing secret (visible to other local users; prefer --secret-file or $"+secretEnv+")")
	fs.StringVar(&f.secretFile, "secret-file", "", "file holding the signing secret (surrounding whitespace is trimmed)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: atelier token --user NAME (--world ID --role ROLE | --all-worlds ROLE) [flags]\n\n"+
			"Prints a bearer token signed with the server secret (--secret, --secret-file or $%s).\n\nflags:\n", secretEnv)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errTokenArgs, fs.Args())
	}
	tok, err := f.issue(stderr)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

// issue validates the flags and signs the token.
func (f *tokenFlags) issue(stderr io.Writer) (string, error) {
	if f.user == "" {
		return "", fmt.Errorf("%w: --user is required", errTokenArgs)
	}
	worlds, all, err := f.grants()
	if err != nil {
		return "", err
	}
	if f.ttl <= 0 {
		return "", fmt.Errorf("%w: --ttl must be positive, got %v", errTokenArgs, f.ttl)
	}
	secret, err := f.loadSecret()
	if err != nil {
		return "", err
	}
	if len(secret) < minSecretLen {
		fmt.Fprintf(stderr, "warning: the secret is %d bytes; use at least %d random bytes\n", len(secret), minSecretLen)
	}
	tok, err := auth.NewAuthenticator(secret, false).Issue(f.user, worlds, all, f.ttl)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errTokenArgs, err)
	}
	return tok, nil
}

// grants turns --world/--role/--all-worlds into roles.
func (f *tokenFlags) grants() (map[store.WorldID]auth.Role, auth.Role, error) {
	if len(f.worlds) == 0 && f.all == "" {
		return nil, "", fmt.Errorf("%w: nothing to grant: give --world ID --role ROLE or --all-worlds ROLE", errTokenArgs)
	}
	if len(f.worlds) > 0 && f.role == "" {
		return nil, "", fmt.Errorf("%w: --world needs --role", errTokenArgs)
	}
	if len(f.worlds) == 0 && f.role != "" {
		return nil, "", fmt.Errorf("%w: --role applies to --world; for every world use --all-worlds", errTokenArgs)
	}
	var all auth.Role
	if f.all != "" {
		r, err := auth.ParseRole(f.all)
		if err != nil {
			return nil, "", fmt.Errorf("%w: --all-worlds: %w", errTokenArgs, err)
		}
		all = r
	}
	if len(f.worlds) == 0 {
		return nil, all, nil
	}
	r, err := auth.ParseRole(f.role)
	if err != nil {
		return nil, "", fmt.Errorf("%w: --role: %w", errTokenArgs, err)
	}
	worlds := map[store.WorldID]auth.Role{}
	for _, w := range f.worlds {
		if !auth.ValidWorldID(store.WorldID(w)) {
			return nil, "", fmt.Errorf("%w: --world %q is not a world id (a lowercase UUID)", errTokenArgs, w)
		}
		worlds[store.WorldID(w)] = r
	}
	return worlds, all, nil
}

// loadSecret reads the secret from --secret, --secret-file or $ATELIER_SECRET.
func (f *tokenFlags) loadSecret() ([]byte, error) {
	var secret string
	switch {
	case f.secret != "" && f.secretFile != "":
		return nil, fmt.Errorf("%w: give --secret or --secret-file, not both", errTokenArgs)
	case f.secret != "":
		secret = f.secret
	case f.secretFile != "":
		b, err := os.ReadFile(f.secretFile)
		if err != nil {
			return nil, fmt.Errorf("%w: reading --secret-file: %w", errTokenArgs, err)
		}
		secret = strings.TrimSpace(string(b))
		if secret == "" {
			return nil, fmt.Errorf("%w: --secret-file %s is empty", errTokenArgs, f.secretFile)
		}
	default:
		secret = os.Getenv(secretEnv)
		if secret == "" {
			return nil, fmt.Errorf("%w: no secret: give --secret, --secret-file or set $%s", errTokenArgs, secretEnv)
		}
	}
	return []byte(secret), nil
}
