package media_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

type atomicCounter struct{ n atomic.Int64 }

func (c *atomicCounter) inc()        { c.n.Add(1) }
func (c *atomicCounter) load() int64 { return c.n.Load() }

// sendPLIs sends a PLI for the viewer's video every interval for d and
// returns how many it sent.
func sendPLIs(t testing.TB, v *viewer, d, interval time.Duration) int {
	t.Helper()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
		pli := &rtcp.PictureLossIndication{MediaSSRC: v.videoSSRC.Load()}
		if err := v.pc.WriteRTCP([]rtcp.Packet{pli}); err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
