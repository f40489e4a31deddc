//go:build unix

package recording

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive advisory lock (flock) on the directory itself,
// held until the returned file is closed: a Recorder holds it while it
// writes, and Recover does not touch a directory whose lock is held, by
// this process or another (two servers on one data directory). The kernel
// drops it when the process dies, so a crash never leaves it held.
func lockDir(dir string) (*os.File, error) {
	f, err := os.Open(dir) //nolint:gosec // the recording directory
	if err != nil {
		return nil, fmt.Errorf("recording: lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrBusy, dir)
		}
		return nil, fmt.Errorf("recording: lock %s: %w", dir, err)
	}
	return f, nil
}
