package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The history, show and version commands against a running server.
func TestHistoryCommands(t *testing.T) {
	srv := startChild(t, "serve --addr 127.0.0.1:0 --data "+t.TempDir())
	resp, err := http.Post(srv.base+"/api/worlds", "application/json", strings.NewReader(`{"name":"Harbor"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var w struct{ ID string }
	if err := json.Unmarshal(b, &w); err != nil || w.ID == "" {
		t.Fatalf("create world: %s", b)
	}
	// Flags go before positional arguments for Go's flag package.
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		full := append([]string{args[0]}, "--server", srv.base)
		if args[0] == "version" || args[0] == "branch" {
			full = []string{args[0], args[1], "--server", srv.base}
			args = args[1:]
		}
		err := run(context.Background(), append(full, args[1:]...), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := cli("version", "create", w.ID, "alpha"); err != nil || !strings.Contains(out, `"alpha" created`) {
		t.Fatalf("version create: %v %s", err, out)
	}
	if out, err := cli("version", "create", w.ID, "alpha"); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("duplicate version: %v %s", err, out)
	}
	if out, err := cli("version", "list", w.ID); err != nil || !strings.Contains(out, "alpha") {
		t.Fatalf("version list: %v %s", err, out)
	}
	if out, err := cli("history", w.ID); err != nil || strings.Count(out, "\n") < 3 || !strings.Contains(out, "local") {
		t.Fatalf("history: %v %s", err, out)
	}
	if out, err := cli("show", w.ID); err != nil || !strings.Contains(out, "layer Main (0 nodes)") {
		t.Fatalf("show: %v %s", err, out)
	}
	if out, err := cli("diff", "--from", "alpha", w.ID); err != nil || !strings.Contains(out, `"added": []`) {
		t.Fatalf("diff: %v %s", err, out)
	}
	if out, err := cli("restore", "--at", "alpha", w.ID); err != nil || !strings.Contains(out, `"layers"`) {
		t.Fatalf("restore: %v %s", err, out)
	}
	if out, err := cli("branch", "create", w.ID, "night"); err != nil || !strings.Contains(out, `"branch": "night"`) {
		t.Fatalf("branch create: %v %s", err, out)
	}
	if out, err := cli("branch", "list", w.ID); err != nil || !strings.Contains(out, "night") {
		t.Fatalf("branch list: %v %s", err, out)
	}
	if _, err := cli("revert", w.ID, "nothex"); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("revert of a bad hash: %v", err)
	}
	if _, err := cli("blame", w.ID, "00000000-0000-4000-8000-000000000001"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("blame of an unknown node: %v", err)
	}
	if _, err := cli("show", "00000000-0000-4000-8000-000000000000"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("show of an unknown world: %v", err)
	}
}
