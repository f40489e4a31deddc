package media_test

import (
	"math"
	"sync"
	"testing"
	"time"

	"atelier/review/media"
	"atelier/review/whipclient"
)

// TestContextSamples publishes with context samples on the data channel and
// checks that the room keeps them, in order, and hands each to OnSample.
func TestContextSamples(t *testing.T) {
	var mu sync.Mutex
	var got []media.ContextSample
	s := newServer(t, serverOptions{onSample: func(id media.RoomID, cs media.ContextSample) {
		if id != "r1" {
			t.Errorf("OnSample for room %q", id)
		}
		mu.Lock()
		got = append(got, cs)
		mu.Unlock()
	}})
	tick := int64(0)
	publish(t, whipclient.PublishOptions{
		URL: s.whip(), Files: []string{fixture("clip-vp8.ivf")}, Loop: true, ContextInterval: 50 * time.Millisecond,
		Context: func(float64) (media.ContextSample, bool) {
			tick++
			return media.ContextSample{
				Camera: &media.Camera{P: []float64{1, 2, 3}, Q: []float64{0, 0, 0, 1}},
				World:  "world-1", Build: "test", Tick: tick, Nodes: []string{"n1", "n2"},
			}, true
		},
	})
	waitFor(t, 5*time.Second, "five samples", func() bool { return len(s.room.Samples()) >= 5 })
	latest, ok := s.room.Context()
	if !ok || latest.World != "world-1" || latest.Build != "test" || len(latest.Nodes) != 2 ||
		latest.Camera == nil || latest.Camera.Q[3] != 1 || latest.ReceivedAt.IsZero() {
		t.Errorf("latest sample %+v", latest)
	}
	samples := s.room.Samples()
	for i := 1; i < len(samples); i++ {
		if samples[i].Tick <= samples[i-1].Tick || samples[i].MediaTime < samples[i-1].MediaTime {
			t.Errorf("samples out of order: %+v then %+v", samples[i-1], samples[i])
		}
	}
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if n < len(samples) {
		t.Errorf("OnSample saw %d samples, the room keeps %d", n, len(samples))
	}
	// The publisher's media time and the room's video clock agree.
	c, ok := s.room.VideoClock()
	if !ok {
		t.Fatal("no video clock")
	}
	if d := math.Abs(c.MediaTime - latest.MediaTime); d > 0.5 {
		t.Errorf("room media time %.3f s, publisher's %.3f s", c.MediaTime, latest.MediaTime)
	}
	if st := s.room.Stats(); st.SamplesRejected != 0 || st.SamplesReceived < 5 {
		t.Errorf("sample counters %+v", st)
	}
}

// TestVideoClock checks that the room's media time follows the publisher's
// real-time pacing and that MediaTimeOf inverts RTPTimestamp.
func TestVideoClock(t *testing.T) {
	s := newServer(t, serverOptions{})
	if _, ok := s.room.VideoClock(); ok {
		t.Fatal("a video clock before any publisher")
	}
	publish(t, whipclient.PublishOptions{URL: s.whip(), Files: []string{fixture("clip-vp8.ivf")}, Loop: true})
	waitFor(t, 5*time.Second, "video", func() bool { _, ok := s.room.VideoClock(); return ok })
	first, _ := s.room.VideoClock()
	waitFor(t, 5*time.Second, "a second of video", func() bool {
		c, _ := s.room.VideoClock()
		return c.MediaTime-first.MediaTime >= 1
	})
	last, _ := s.room.VideoClock()
	wall := last.At.Sub(first.At).Seconds()
	media := last.MediaTime - first.MediaTime
	if math.Abs(media-wall) > 0.2 {
		t.Errorf("media time advanced %.3f s in %.3f s of wall time", media, wall)
	}
	if got := last.MediaTimeOf(last.RTPTimestamp - 9000); math.Abs(got-(last.MediaTime-0.1)) > 1e-9 {
		t.Errorf("MediaTimeOf 0.1 s back: %v, want %v", got, last.MediaTime-0.1)
	}
	if last.ClockRate != 90000 {
		t.Errorf("clock rate %d", last.ClockRate)
	}
}
