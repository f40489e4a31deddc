// Command atelier runs the Atelier world server and its tools.
//
//	atelier serve    run the server (SQLite under ./data by default)
//	atelier token    print a bearer token for a user and world
//	atelier loadgen  load-test a running server over websockets
//	atelier publish  stream media files to a review session over WHIP
//	atelier history, show, diff, restore, revert, blame, version, branch:
//	                 clients of a running server's history API
//
// This package is wiring only: flags, configuration, choosing the store.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() { os.Exit(mainExit(os.Args[1:])) }

// mainExit runs a command until it ends or SIGINT/SIGTERM asks it to stop
// (a second signal kills the process), and returns the exit code.
func mainExit(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }() // restore default handling: a second signal kills
	defer stop()
	if err := run(ctx, args, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "atelier:", err)
		}
		return 2
	}
	return 0
}

var errUsage = errors.New("usage")

const usage = `usage: atelier <command> [flags]

commands:
  serve     run the world server (default: SQLite under ./data, http://127.0.0.1:8080)
  token     print a bearer token (HS256) for a user, world and role
  loadgen   open N websocket peers against a server and measure edit delivery
  history   a world's timeline, newest first
  show      a world's scene tree, now or at a version (--at)
  version   create or list named versions
  diff      what changed between two versions
  restore   make the world (or nodes, properties) equal to a version
  revert    undo one change
  blame     which change last set each property of a node
  branch    create, list, preview or merge branches
  publish   stream media files (.ivf, .h264, .ogg) to a review session over WHIP

Run "atelier <command> -h" for a command's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "token":
		return runToken(args[1:], stdout, stderr)
	case "loadgen":
		return runLoadgen(ctx, args[1:], stdout, stderr)
	case "history":
		return runHistory(ctx, args[1:], stdout, stderr)
	case "show":
		return runShow(ctx, args[1:], stdout, stderr)
	case "version":
		return runVersion(ctx, args[1:], stdout, stderr)
	case "diff":
		return runDiff(ctx, args[1:], stdout, stderr)
	case "restore":
		return runRestore(ctx, args[1:], stdout, stderr)
	case "revert":
		return runRevert(ctx, args[1:], stdout, stderr)
	case "blame":
		return runBlame(ctx, args[1:], stdout, stderr)
	case "branch":
		return runBranch(ctx, args[1:], stdout, stderr)
	case "publish":
		return runPublish(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "atelier: unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}
