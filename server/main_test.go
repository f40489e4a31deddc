package server_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Every test must stop every goroutine it started: sessions, document
// loops, the hub. Started as crashedRecording's child process, the test
// binary records and dies instead (crashingRecorder).
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashRecordingDir); dir != "" {
		crashingRecorder(dir)
	}
	goleak.VerifyTestMain(m)
}
