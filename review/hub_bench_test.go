package review

import (
	"fmt"
	"log/slog"
	"sync"
	"testing"
)

// BenchmarkHubPublishState fans states out to 100 subscribers of one
// session, each drained by its own goroutine.
func BenchmarkHubPublishState(b *testing.B) {
	h := NewHub(slog.New(slog.DiscardHandler), 1024)
	var wg sync.WaitGroup
	for i := range 100 {
		sub, err := h.Subscribe("s", fmt.Sprint("user", i), func() (PlaybackState, error) { return PlaybackState{}, nil })
		if err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			for range sub.C {
			}
		})
	}
	members := []Member{{User: "ada", Role: RoleDriver}, {User: "bob", Role: RoleAnnotator}}
	v := int64(0)
	for b.Loop() {
		v++
		h.publishState("s", PlaybackState{Version: v, Paused: true, MediaTime: float64(v), Driver: "ada", Members: members})
	}
	b.StopTimer()
	h.Close()
	wg.Wait()
	if h.Dropped() != 0 {
		b.Fatalf("%d subscribers dropped", h.Dropped())
	}
}
