package media

import (
	"testing"
	"time"
)

// The histogram's quantiles are within 10% above the true ones.
func TestLatencyHist(t *testing.T) {
	var h latencyHist
	if h.quantile(0.5) != 0 || h.count() != 0 {
		t.Fatal("an empty histogram has no quantiles")
	}
	for i := 1; i <= 1000; i++ {
		h.observe(time.Duration(i) * time.Microsecond) // 1µs … 1ms
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, time.Millisecond}} {
		got := h.quantile(c.q)
		if got < c.want || float64(got) > 1.1*float64(c.want) {
			t.Errorf("quantile(%v) = %v, want %v to 10%% above", c.q, got, c.want)
		}
	}
	h.observe(time.Hour)
	if h.count() != 1001 || h.quantile(1) != time.Duration(1<<63-1) {
		t.Errorf("a duration past the last bucket: count %d, max %v", h.count(), h.quantile(1))
	}
}

// The difference of two snapshots is the window between them.
func TestLatencySnapshotsSince(t *testing.T) {
	var h latencyHist
	for range 1000 {
		h.observe(10 * time.Millisecond) // a slow start
	}
	before := h.snapshot()
	for range 100 {
		h.observe(100 * time.Microsecond)
	}
	w := h.snapshot().Since(before)
	if w.Count() != 100 {
		t.Fatalf("window count %d, want 100", w.Count())
	}
	if p99 := w.Quantile(0.99); p99 < 100*time.Microsecond || p99 > 110*time.Microsecond {
		t.Errorf("window p99 %v, want 100µs (the start is not in it)", p99)
	}
	if p50 := h.quantile(0.5); p50 < 10*time.Millisecond {
		t.Errorf("cumulative p50 %v, want the slow start's 10ms", p50)
	}
}
