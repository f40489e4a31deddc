//go:build !unix

package recording

import "os"

// lockDir does not lock where flock is missing: Recover then relies on
// running before any Recorder starts (the server recovers at startup).
func lockDir(string) (*os.File, error) { return nil, nil }
