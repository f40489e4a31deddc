package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"atelier/server"
	"atelier/server/wire"
)

// jsEvent is one JSON line printed by server/testdata/interop/client.mjs.
type jsEvent map[string]any

// runJS runs client.mjs with args and returns its events. The stock
// automerge-repo packages must be installed (make deps runs npm ci).
func runJS(t *testing.T, args ...string) ([]jsEvent, error) {
	t.Helper()
	root, _ := filepath.Abs("..")
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@automerge", "automerge-repo")); err != nil {
		t.Fatalf("npm packages missing: run `make deps` (npm ci) first: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(root, "server/testdata/interop/client.mjs")}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var events []jsEvent
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e jsEvent
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			events = append(events, e)
		}
	}
	if err != nil {
		return events, fmt.Errorf("client.mjs %v: %w\nstderr: %s", args, err, stderr.String())
	}
	return events, nil
}

func lastEvent(events []jsEvent, name string) jsEvent {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i]["event"] == name {
			return events[i]
		}
	}
	return nil
}

// Two stock automerge-repo JavaScript clients co-edit a layer through the
// server: each adds a node concurrently, each sees the other's, both end
// with the same document, and the server stored both edits attributed to
// their users.
func TestJSClientsCoEdit(t *testing.T) { bothStores(t, testJSClientsCoEdit) }

func testJSClientsCoEdit(t *testing.T, open opener) {
	ts := startServerOn(t, open, "", server.Config{})
	w := ts.createWorld(t, "", "Harbor")
	url := w.Layers[0].URL
	ids := []string{uuid.NewString(), uuid.NewString()}
	users := []string{"alice", "bob"}
	docs := make([]any, 2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev, err := runJS(t, "--url", ts.wsURL("?user="+users[i]), "--doc", url, "--script", "set-node",
				"--node", ids[i], "--name", "Node of "+users[i], "--until-exists", "nodes."+ids[1-i], "--timeout", "30000")
			errs[i] = err
			if done := lastEvent(ev, "done"); done != nil {
				docs[i] = done["doc"]
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	a, _ := json.Marshal(docs[0])
	b, _ := json.Marshal(docs[1])
	if !bytes.Equal(a, b) || !strings.Contains(string(a), ids[0]) || !strings.Contains(string(a), ids[1]) {
		t.Fatalf("documents differ or miss a node:\n%s\n%s", a, b)
	}
	doc, _ := wire.ParseDocURL(url)
	chs, err := ts.st.Changes(context.Background(), doc, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	byUser := map[string]int{}
	for _, c := range chs {
		byUser[c.User]++
	}
	if byUser["alice"] == 0 || byUser["bob"] == 0 {
		t.Fatalf("stored changes by user %v, want alice and bob", byUser)
	}
	// A third client, starting fresh, gets exactly the converged document.
	ev, err := runJS(t, "--url", ts.wsURL("?user=carol"), "--doc", url, "--script", "dump")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := json.Marshal(lastEvent(ev, "done")["doc"])
	if !bytes.Equal(a, c) {
		t.Fatalf("a fresh client got\n%s\nwant\n%s", c, a)
	}
	_, body := ts.do(t, "GET", "/api/worlds/"+w.ID+"/scene", "", nil)
	if !strings.Contains(string(body), "Node of alice") || !strings.Contains(string(body), "Node of bob") {
		t.Fatalf("scene API misses the JS nodes: %s", body)
	}
}

// Presence: ephemeral messages from one JS client reach the other peer of
// the same document through the server.
func TestJSPresenceRelayed(t *testing.T) {
	ts := startServer(t, "", server.Config{})
	w := ts.createWorld(t, "", "Harbor")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	heard := make([]int, 2)
	for i, user := range []string{"alice", "bob"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev, err := runJS(t, "--url", ts.wsURL("?user="+user), "--doc", w.Layers[0].URL, "--script", "presence",
				"--payload", fmt.Sprintf(`{"user":%q}`, user), "--count", "20", "--interval", "100", "--expect", "1", "--linger", "300", "--timeout", "30000")
			errs[i] = err
			for _, e := range ev {
				if e["event"] == "ephemeral" {
					heard[i]++
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		if heard[i] == 0 {
			t.Fatalf("client %d heard no presence", i)
		}
	}
}
