package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func worldPath(id, rest string) string { return "/api/worlds/" + url.PathEscape(id) + rest }

// runDiff implements "atelier diff WORLD --from VERSION [--to VERSION]".
func runDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("atelier diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	from := fs.String("from", "", "VERSION: a named version, change hash or RFC 3339 time (required)")
	to := fs.String("to", "", "VERSION (default: now)")
	pos, err := parseArgs(fs, args, 1, "WORLD")
	if err != nil {
		return err
	}
	q := url.Values{"from": {*from}}
	if *to != "" {
		q.Set("to", *to)
	}
	var out any
	if err := c.do(ctx, "GET", worldPath(pos[0], "/diff?"+q.Encode()), nil, &out); err != nil {
		return err
	}
	return printJSON(stdout, out)
}

// runRestore implements "atelier restore WORLD --at VERSION [--node ID]... [--prop PATH]...".
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("atelier restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	at := fs.String("at", "", "VERSION to restore (required)")
	layer := fs.String("layer", "", "only this layer")
	var nodes, props listFlag
	fs.Var(&nodes, "node", "restore only this node (repeatable)")
	fs.Var(&props, "prop", "restore only this property, e.g. /name or /transform (repeatable)")
	pos, err := parseArgs(fs, args, 1, "WORLD")
	if err != nil {
		return err
	}
	body := map[string]any{"at": *at, "layer": *layer, "nodes": nodes, "properties": props}
	if *layer == "" {
		delete(body, "layer")
	}
	var out any
	if err := c.do(ctx, "POST", worldPath(pos[0], "/restore"), body, &out); err != nil {
		return err
	}
	return printJSON(stdout, out)
}

// runRevert implements "atelier revert WORLD CHANGE".
func runRevert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("atelier revert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	pos, err := parseArgs(fs, args, 2, "WORLD CHANGE")
	if err != nil {
		return err
	}
	var out any
	if err := c.do(ctx, "POST", worldPath(pos[0], "/revert"), map[string]string{"change": pos[1]}, &out); err != nil {
		return err
	}
	return printJSON(stdout, out)
}

// runBlame implements "atelier blame WORLD NODE".
func runBlame(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("atelier blame", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	pos, err := parseArgs(fs, args, 2, "WORLD NODE")
	if err != nil {
		return err
	}
	var out struct {
		Props []struct{ Prop, Hash, User, Message string }
	}
	if err := c.do(ctx, "GET", worldPath(pos[0], "/nodes/"+url.PathEscape(pos[1])+"/blame"), nil, &out); err != nil {
		return err
	}
	for _, p := range out.Props {
		fmt.Fprintf(stdout, "%-32s %s  %-12s %s\n", p.Prop, short(p.Hash, 12), p.User, oneLine(p.Message))
	}
	return nil
}

// runBranch implements "atelier branch create|list|preview|merge".
func runBranch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := "usage: atelier branch create WORLD NAME [--from VERSION] | list WORLD | preview WORLD BRANCH | merge WORLD BRANCH"
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	fs := flag.NewFlagSet("atelier branch "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	from := fs.String("from", "", "VERSION to branch from (create; default now)")
	var out any
	switch args[0] {
	case "create":
		pos, err := parseArgs(fs, args[1:], 2, "WORLD NAME")
		if err != nil {
			return err
		}
		err = c.do(ctx, "POST", worldPath(pos[0], "/branches"), map[string]string{"name": pos[1], "from": *from}, &out)
		if err != nil {
			return err
		}
	case "list":
		pos, err := parseArgs(fs, args[1:], 1, "WORLD")
		if err != nil {
			return err
		}
		if err := c.do(ctx, "GET", worldPath(pos[0], "/branches"), nil, &out); err != nil {
			return err
		}
	case "preview", "merge":
		pos, err := parseArgs(fs, args[1:], 2, "WORLD BRANCH")
		if err != nil {
			return err
		}
		method, rest := "GET", "/merge-preview"
		if args[0] == "merge" {
			method, rest = "POST", "/merge"
		}
		if err := c.do(ctx, method, worldPath(pos[0], "/branches/"+url.PathEscape(pos[1])+rest), nil, &out); err != nil {
			return err
		}
	default:
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	return printJSON(stdout, out)
}
