package media

import (
	"math"
	"sync/atomic"
	"time"
)

// latencyBuckets bounds the histogram: bucket i holds durations up to
// 1µs × 1.1^i, so 160 buckets reach past 4 s and a quantile read from it
// is at most 10% above the true one.
const latencyBuckets = 160

// latencyHist is a lock-free histogram of the SFU's own forwarding
// latency: from a packet being read from the publisher's track to the
// viewer's write of it returning (queueing, header rewrite, SRTP, the
// socket write). The network and the viewer's own stack are not in it.
type latencyHist struct {
	counts [latencyBuckets + 1]atomic.Uint64 // the last: longer than every bucket
}

var latencyBounds = func() (b [latencyBuckets]time.Duration) {
	for i := range b {
		b[i] = time.Duration(float64(time.Microsecond) * math.Pow(1.1, float64(i)))
	}
	return b
}()

func (h *latencyHist) observe(d time.Duration) {
	lo, hi := 0, latencyBuckets
	for lo < hi { // the first bound ≥ d
		mid := (lo + hi) / 2
		if latencyBounds[mid] >= d {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	h.counts[lo].Add(1)
}

// quantile returns the bucket bound at or above quantile q (0–1) of the
// durations seen, 0 when none.
func (h *latencyHist) quantile(q float64) time.Duration {
	var n [latencyBuckets + 1]uint64
	var total uint64
	for i := range h.counts {
		n[i] = h.counts[i].Load()
		total += n[i]
	}
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range n {
		seen += c
		if seen >= want && c > 0 {
			if i == latencyBuckets {
				return time.Duration(math.MaxInt64)
			}
			return latencyBounds[i]
		}
	}
	return latencyBounds[latencyBuckets-1]
}

// count returns how many durations were seen.
func (h *latencyHist) count() uint64 {
	var total uint64
	for i := range h.counts {
		total += h.counts[i].Load()
	}
	return total
}
