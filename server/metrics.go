package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves Prometheus metrics: the process and Go runtime, the
// sync engine's counters and the edge's connection counts.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	st := s.hub.Stats()
	counter := func(name, help string, v func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "atelier", Name: name, Help: help}, v)
	}
	gauge := func(name, help string, v func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "atelier", Name: name, Help: help}, v)
	}
	load := func(c interface{ Load() int64 }) func() float64 { return func() float64 { return float64(c.Load()) } }
	reg.MustRegister(
		counter("sync_messages_in_total", "Sync and request messages received from peers.", load(&st.SyncIn)),
		counter("sync_messages_out_total", "Sync messages sent to peers.", load(&st.SyncOut)),
		counter("changes_delivered_total", "Changes sent to peers.", load(&st.ChangesOut)),
		counter("changes_accepted_total", "Changes committed to the store.", load(&st.ChangesAccepted)),
		counter("store_commits_total", "Store appends (group commits).", load(&st.Commits)),
		counter("store_commit_seconds_total", "Time spent in store appends.", func() float64 { return float64(st.CommitNanos.Load()) / 1e9 }),
		counter("peer_failures_total", "Peers disconnected for bad input, refused changes or slowness.", load(&st.PeerFailures)),
		counter("compactions_total", "Document snapshots written.", load(&st.Compactions)),
		gauge("verifiers", "automerge-go materializations resident for verifying writes.", load(&st.Verifiers)),
		gauge("open_documents", "Documents with a running loop.", func() float64 { return float64(s.hub.OpenDocuments()) }),
		gauge("peers", "Joined websocket peers.", func() float64 { return float64(s.Peers()) }),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
