package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"
)

// runHistory implements "atelier history WORLD": the timeline, newest first.
func runHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("atelier history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	layer := fs.String("layer", "", "only this layer (id)")
	limit := fs.Int("limit", 20, "entries to show (1..500)")
	before := fs.String("before", "", "continue from this cursor (printed after a full page)")
	pos, err := parseArgs(fs, args, 1, "WORLD")
	if err != nil {
		return err
	}
	q := url.Values{"limit": {fmt.Sprint(*limit)}}
	if *layer != "" {
		q.Set("layer", *layer)
	}
	if *before != "" {
		q.Set("before", *before)
	}
	var page struct {
		Changes []struct {
			Hash, Layer, User, Message string
			ReceivedAt                 time.Time
		}
		Next string
	}
	if err := c.do(ctx, "GET", "/api/worlds/"+url.PathEscape(pos[0])+"/history?"+q.Encode(), nil, &page); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tUSER\tLAYER\tCHANGE\tMESSAGE")
	for _, e := range page.Changes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ReceivedAt.Local().Format("2006-01-02 15:04:05"), e.User, short(e.Layer, 8), e.Hash[:12], oneLine(e.Message))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if page.Next != "" {
		fmt.Fprintf(stdout, "\nmore: atelier history %s --before '%s'\n", pos[0], page.Next)
	}
	return nil
}

// runShow implements "atelier show WORLD [--at VERSION]": the scene tree.
func runShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("atelier show", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	at := fs.String("at", "", "a named version, change hash or RFC 3339 time (default: now)")
	pos, err := parseArgs(fs, args, 1, "WORLD")
	if err != nil {
		return err
	}
	path := "/api/worlds/" + url.PathEscape(pos[0]) + "/scene"
	if *at != "" {
		path += "?at=" + url.QueryEscape(*at)
	}
	var sc struct {
		Layers []struct {
			Name string
			Tree struct {
				Roots []string
				Nodes map[string]struct {
					Name, Kind string
					Children   []string
				}
			}
		}
	}
	if err := c.do(ctx, "GET", path, nil, &sc); err != nil {
		return err
	}
	for _, l := range sc.Layers {
		fmt.Fprintf(stdout, "layer %s (%d nodes)\n", l.Name, len(l.Tree.Nodes))
		var walk func(id string, depth int)
		walk = func(id string, depth int) {
			n := l.Tree.Nodes[id]
			fmt.Fprintf(stdout, "%s%s [%s] %s\n", strings.Repeat("  ", depth+1), n.Name, n.Kind, short(id, 8))
			for _, ch := range n.Children {
				walk(ch, depth+1)
			}
		}
		for _, r := range l.Tree.Roots {
			walk(r, 0)
		}
	}
	return nil
}

// runVersion implements "atelier version create|list WORLD [NAME]".
func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		fmt.Fprintln(stderr, "usage: atelier version create WORLD NAME | atelier version list WORLD")
		return errUsage
	}
	fs := flag.NewFlagSet("atelier version "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := clientFlags(fs)
	if args[0] == "create" {
		pos, err := parseArgs(fs, args[1:], 2, "WORLD NAME")
		if err != nil {
			return err
		}
		var v struct{ Name string }
		if err := c.do(ctx, "POST", "/api/worlds/"+url.PathEscape(pos[0])+"/versions", map[string]string{"name": pos[1]}, &v); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "version %q created\n", v.Name)
		return nil
	}
	pos, err := parseArgs(fs, args[1:], 1, "WORLD")
	if err != nil {
		return err
	}
	var list struct {
		Versions []struct {
			Name, CreatedBy string
			CreatedAt       time.Time
		}
	}
	if err := c.do(ctx, "GET", "/api/worlds/"+url.PathEscape(pos[0])+"/versions", nil, &list); err != nil {
		return err
	}
	for _, v := range list.Versions {
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", v.Name, v.CreatedAt.Local().Format("2006-01-02 15:04:05"), v.CreatedBy)
	}
	return nil
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return short(s, 80)
}
