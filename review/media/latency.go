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

// snapshot returns the counts so far.
func (h *latencyHist) snapshot() LatencyHistogram {
	var s LatencyHistogram
	for i := range h.counts {
		s.counts[i] = h.counts[i].Load()
	}
	return s
}

// quantile returns the bucket bound at or above quantile q (0–1) of the
// durations seen, 0 when none.
func (h *latencyHist) quantile(q float64) time.Duration { return h.snapshot().Quantile(q) }

// count returns how many durations were seen.
func (h *latencyHist) count() uint64 { return h.snapshot().Count() }

// LatencyHistogram is a snapshot of the SFU's forwarding latency
// histogram: buckets 10% wide from 1 µs past 4 s. Snapshots are
// cumulative; Since gives the durations seen between two of them.
type LatencyHistogram struct {
	counts [latencyBuckets + 1]uint64 // the last: longer than every bucket
}

// Count returns how many durations the snapshot holds.
func (s LatencyHistogram) Count() uint64 {
	var total uint64
	for _, c := range s.counts {
		total += c
	}
	return total
}

// Quantile returns the bucket bound at or above quantile q (0–1), at most
// 10% above the true quantile; 0 when the snapshot is empty.
func (s LatencyHistogram) Quantile(q float64) time.Duration {
	total := s.Count()
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range s.counts {
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

// Since returns the durations seen after earlier, a snapshot of the same
// histogram taken before s.
func (s LatencyHistogram) Since(earlier LatencyHistogram) LatencyHistogram {
	var d LatencyHistogram
	for i := range s.counts {
		d.counts[i] = s.counts[i] - earlier.counts[i]
	}
	return d
}
