package media_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine running: rooms,
// peers and the WHIP client must all stop what they start.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
