// Package loadgen load-tests a running Atelier server over real websockets:
// it seeds a layer (nodes and history, pushed through the sync protocol),
// connects N peers that start in sync, has each edit at a given rate (or as
// fast as the server acknowledges), and reports deliveries per second and
// edit→other-peer latency. Every loop is bounded by Config.Duration.
package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config describes a load run.
type Config struct {
	BaseURL  string        // http://host:port of the server
	Token    string        // bearer token, if the server requires one
	Peers    int           // connected peers, each editing
	Rate     float64       // edits per second per peer; 0 = closed loop (next edit when the last is acknowledged)
	Duration time.Duration // how long peers edit
	Drain    time.Duration // how long to wait for the last deliveries
	IdleWait time.Duration // after the load, keep peers connected this long and report the server's memory
	Nodes    int           // nodes in the seeded layer
	History  int           // changes in the seeded layer's history
	Out      io.Writer     // progress and the report
}

func (c Config) query() string {
	if c.Token == "" {
		return "?user=loadgen"
	}
	return "?token=" + url.QueryEscape(c.Token)
}

func (c Config) syncURL() string {
	return "ws" + strings.TrimPrefix(c.BaseURL, "http") + "/sync" + c.query()
}

// Result is a run's outcome.
type Result struct {
	Edits     int64         // edits sent by all peers
	Expected  int64         // edits × (peers − 1)
	Delivered int64         // deliveries of those edits to other peers
	Elapsed   time.Duration // the editing phase
	P50, P90  time.Duration // edit → other peer latency
	P99, Max  time.Duration
	PerSecond float64 // deliveries per second during the editing phase
}

// Missing is the number of expected deliveries that never arrived.
func (r Result) Missing() int64 { return r.Expected - r.Delivered }

// Run seeds a layer, runs the load and prints the report.
func Run(ctx context.Context, cfg Config) (Result, error) {
	baseRSS, _ := serverRSS(ctx, cfg.BaseURL)
	s, err := seed(ctx, cfg)
	if err != nil {
		return Result{}, err
	}
	if rss, ok := serverRSS(ctx, cfg.BaseURL); ok {
		fmt.Fprintf(cfg.Out, "server memory: %s before seeding, %s with the layer open and being written\n", mib(baseRSS), mib(rss))
	}
	peers := make([]*peer, cfg.Peers)
	for i := range peers {
		if peers[i], err = connect(ctx, cfg, s, i); err != nil {
			return Result{}, err
		}
		defer peers[i].close()
	}
	fmt.Fprintf(cfg.Out, "load: %d peers in sync; editing for %s at %s\n", len(peers), cfg.Duration, rateText(cfg.Rate))
	start := time.Now()
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Add(1)
		go func() { defer wg.Done(); p.edit(ctx, cfg, start.Add(cfg.Duration)) }()
	}
	wg.Wait()
	elapsed := time.Since(start)
	res := collect(peers, elapsed, cfg.Drain)
	report(cfg.Out, res)
	if cfg.IdleWait > 0 {
		fmt.Fprintf(cfg.Out, "idle: peers stay connected for %s\n", cfg.IdleWait)
		select {
		case <-time.After(cfg.IdleWait):
		case <-ctx.Done():
		}
		if rss, ok := serverRSS(ctx, cfg.BaseURL); ok {
			fmt.Fprintf(cfg.Out, "server memory, layer open and idle: %s (%s above the %s before seeding)\n", mib(rss), mib(rss-baseRSS), mib(baseRSS))
		}
	}
	return res, nil
}

func rateText(r float64) string {
	if r <= 0 {
		return "full speed (closed loop)"
	}
	return fmt.Sprintf("%g edits/s per peer", r)
}

// collect waits up to drain for outstanding deliveries, then sums up.
func collect(peers []*peer, elapsed, drain time.Duration) Result {
	var res Result
	for _, p := range peers {
		res.Edits += p.sent()
	}
	res.Expected = res.Edits * int64(len(peers)-1)
	deadline := time.Now().Add(drain)
	for {
		res.Delivered = 0
		for _, p := range peers {
			res.Delivered += p.received()
		}
		if res.Delivered >= res.Expected || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var lat []time.Duration
	for _, p := range peers {
		lat = append(lat, p.latencies()...)
	}
	slices.Sort(lat)
	res.Elapsed = elapsed
	res.PerSecond = float64(len(lat)) / elapsed.Seconds()
	if len(lat) > 0 {
		res.P50, res.P90 = lat[len(lat)*50/100], lat[len(lat)*90/100]
		res.P99, res.Max = lat[len(lat)*99/100], lat[len(lat)-1]
	}
	return res
}

func report(w io.Writer, r Result) {
	fmt.Fprintf(w, "edits sent:          %d (%.0f/s)\n", r.Edits, float64(r.Edits)/r.Elapsed.Seconds())
	fmt.Fprintf(w, "deliveries:          %d of %d expected (missing %d)\n", r.Delivered, r.Expected, r.Missing())
	fmt.Fprintf(w, "deliveries/s:        %.0f\n", r.PerSecond)
	fmt.Fprintf(w, "edit→peer latency:   p50 %s  p90 %s  p99 %s  max %s\n", r.P50, r.P90, r.P99, r.Max)
}
