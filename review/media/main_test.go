package media_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine running: rooms,
// peers and the WHIP client must all stop what they start. Started by
// BenchmarkFanout with FANOUT_URL, the binary is its viewers' process
// instead (fanoutChild).
func TestMain(m *testing.M) {
	if url := os.Getenv("FANOUT_URL"); url != "" {
		os.Exit(fanoutChild(url))
	}
	goleak.VerifyTestMain(m)
}
