package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must stop every goroutine it started: sessions, document
// loops, the hub.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
