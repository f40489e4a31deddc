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
