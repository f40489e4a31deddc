package sqlite_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"atelier/store"
	"atelier/store/sqlite"
)

// durabilityEnv, when set to a database path, makes the test binary run
// durabilityHelper instead of its tests.
const durabilityEnv = "ATELIER_SQLITE_DURABILITY_DB"

const durableDoc store.DocID = "durable-doc"

// durableChange is the change the helper appends at ordinal o.
func durableChange(o int64) store.Change {
	raw := fmt.Appendf(nil, "durable change %d", o)
	return store.Change{Ordinal: o, Hash: sha256.Sum256(raw), Raw: raw, Seq: uint64(o), ReceivedAt: time.Now()}
}

// durabilityHelper runs in the child process: it creates durableDoc in the
// database at path, then appends to it in batches of three until killed,
// printing each ordinal once the AppendChanges holding it has returned.
func durabilityHelper(path string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "durability helper:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		fail(err)
	}
	w := store.World{ID: "6f1d8a52-0c4e-4f5e-8d8e-3c2b1a0f9e77", Name: "durable", Manifest: durableDoc}
	docs := []store.NewDocument{{Document: store.Document{ID: durableDoc, Kind: store.KindManifest}}}
	if err := s.CreateWorld(ctx, w, docs); err != nil {
		fail(err)
	}
	for o := int64(1); ; o += 3 {
		batch := []store.Change{durableChange(o), durableChange(o + 1), durableChange(o + 2)}
		if err := s.AppendChanges(ctx, durableDoc, batch); err != nil {
			fail(err)
		}
		// os.Stdout is unbuffered: each line is one write to the pipe.
		fmt.Printf("%d\n%d\n%d\n", o, o+1, o+2)
	}
}

// TestDurabilityAfterSIGKILL kills a process that is appending changes and
// checks that every change it was told was appended is in the database.
func TestDurabilityAfterSIGKILL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "durable.db")
	last := killHelper(t, path, 300)
	s := openAt(t, path)
	idx, err := s.ChangeIndex(context.Background(), durableDoc, 0)
	if err != nil {
		t.Fatalf("ChangeIndex after the kill: %v", err)
	}
	if int64(len(idx)) < last {
		t.Fatalf("helper printed ordinals up to %d, but only %d changes survived", last, len(idx))
	}
	for i, m := range idx {
		if want := durableChange(int64(i + 1)); m.Ordinal != want.Ordinal || m.Hash != want.Hash {
			t.Fatalf("index entry %d is ordinal %d hash %s, want %d %s", i, m.Ordinal, m.Hash, want.Ordinal, want.Hash)
		}
	}
	if v, err := s.Pragma(context.Background(), "integrity_check", true); err != nil || v != "ok" {
		t.Fatalf("integrity_check = %q, %v", v, err)
	}
	t.Logf("helper printed %d ordinals before SIGKILL; %d changes are stored", last, len(idx))
}

// killHelper runs durabilityHelper on path in a child process, SIGKILLs it
// once it has printed killAfter ordinals, and returns the last ordinal it
// printed (lines already in the pipe when it died included).
func killHelper(t *testing.T, path string, killAfter int) int64 {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), durabilityEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	watchdog := time.AfterFunc(time.Minute, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()
	var last int64
	lines := bufio.NewScanner(stdout)
	for n := 1; lines.Scan(); n++ {
		o, err := strconv.ParseInt(lines.Text(), 10, 64)
		if err != nil || o != last+1 {
			t.Fatalf("helper printed %q after %d", lines.Text(), last)
		}
		last = o
		if n == killAfter {
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	_ = cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL || last < int64(killAfter) {
		t.Fatalf("helper ended with %v after printing %d ordinals, not by our SIGKILL; stderr:\n%s",
			cmd.ProcessState, last, stderr.String())
	}
	return last
}
