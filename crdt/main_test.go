package crdt_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must stop every goroutine it started (document loops, the
// compactor, test peers).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
