package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"atelier/server/loadgen"
)

// runLoadgen implements "atelier loadgen": see package server/loadgen.
func runLoadgen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := loadgen.Config{Out: stdout}
	fs := flag.NewFlagSet("atelier loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.BaseURL, "server", "http://127.0.0.1:8080", "base URL of a running atelier server")
	fs.StringVar(&cfg.Token, "token", os.Getenv("ATELIER_TOKEN"), "bearer token (env ATELIER_TOKEN); needs the editor role on all worlds")
	fs.IntVar(&cfg.Peers, "peers", 50, "number of websocket peers, each editing")
	fs.Float64Var(&cfg.Rate, "rate", 10, "edits per second per peer; 0 = as fast as the server acknowledges")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long peers edit (bounded)")
	fs.DurationVar(&cfg.Drain, "drain", 10*time.Second, "how long to wait for the last deliveries")
	fs.DurationVar(&cfg.IdleWait, "idle-wait", 0, "after the load, wait this long with peers connected and report the server's resident memory")
	fs.IntVar(&cfg.Nodes, "nodes", 10000, "nodes in the seeded layer")
	fs.IntVar(&cfg.History, "history", 20000, "changes in the seeded layer's history")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	switch {
	case cfg.Peers < 2:
		return fmt.Errorf("loadgen: --peers must be at least 2")
	case cfg.Duration <= 0 || cfg.Duration > time.Hour:
		return fmt.Errorf("loadgen: --duration must be between 0 and 1h")
	case cfg.Nodes < 1 || cfg.History < cfg.Nodes/10+2:
		return fmt.Errorf("loadgen: --nodes must be positive and --history at least nodes/10+2")
	}
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if res.Missing() > 0 {
		return fmt.Errorf("loadgen: %d deliveries missing", res.Missing())
	}
	return nil
}
