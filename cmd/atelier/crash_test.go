package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"atelier/crdt/format"
	"atelier/server/syncclient"
	"atelier/server/wire"
	"atelier/store"
	"atelier/store/postgres/pgtest"
)

// TestMain lets the test binary act as `atelier` itself, so the crash test
// can run the real server in a child process and SIGKILL it.
func TestMain(m *testing.M) {
	if args := os.Getenv("ATELIER_TEST_RUN"); args != "" {
		os.Exit(mainExit(strings.Fields(args)))
	}
	os.Exit(m.Run())
}

// child is a server process started from the test binary.
type child struct {
	cmd  *exec.Cmd
	base string
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func startChild(t *testing.T, args string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ATELIER_TEST_RUN="+args)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case base := <-found:
		return &child{cmd: cmd, base: base}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	return nil
}

// editor is a protocol peer that edits continuously and records every change
// hash the server told it about: its own once the server's heads name them,
// and every change the server sent it. All of them must survive a crash.
type editor struct {
	conn *syncclient.Conn
	r    *syncclient.Replica
	mu   sync.Mutex
	own  map[format.ChangeHash]bool // sent, not yet acknowledged
	seen map[format.ChangeHash]bool // acknowledged or received
}

func newEditor(t *testing.T, base string, doc store.DocID, name string) *editor {
	c, err := syncclient.Dial(context.Background(), "ws"+strings.TrimPrefix(base, "http")+"/sync?user="+name, wire.PeerID(name), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &editor{conn: c, r: syncclient.NewReplica(doc), own: map[format.ChangeHash]bool{}, seen: map[format.ChangeHash]bool{}}
	e.send(e.r.RequestMessage(), wire.TypeRequest)
	return e
}

func (e *editor) send(data []byte, typ string) {
	_ = e.conn.Send(&wire.Message{Type: typ, SenderID: e.conn.Self, TargetID: e.conn.Server, DocumentID: e.r.Doc, Data: data})
}

// read records what the server acknowledges until the connection dies.
func (e *editor) read() {
	for {
		m, err := e.conn.Recv()
		if err != nil {
			return
		}
		if m.Type != wire.TypeSync {
			continue
		}
		e.mu.Lock()
		chs, heads, err := e.r.Receive(m.Data)
		if err == nil {
			for _, c := range chs {
				e.seen[c.Hash] = true
			}
			for _, h := range heads {
				if e.own[h] {
					e.seen[h] = true
				}
			}
		}
		e.mu.Unlock()
	}
}

// edit makes one change and sends it.
func (e *editor) edit(i int) {
	e.mu.Lock()
	c, err := e.r.Edit(fmt.Sprintf("edit %d", i), format.MapPut{Key: string(e.conn.Self), Value: int64(i)})
	if err == nil {
		e.own[c.Hash] = true
	}
	data := e.r.SyncMessage(c)
	e.mu.Unlock()
	if err == nil {
		e.send(data, wire.TypeSync)
	}
}

// Kill the server (SIGKILL, or SIGTERM for a graceful stop) while peers
// edit; after a restart every change any peer was told about (its own in the server's heads, or another's sent to
// it) is present.
func TestCrashKeepsAcknowledgedChanges(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String()+"/sqlite", func(t *testing.T) { testCrash(t, sig, "--data "+t.TempDir()) })
		t.Run(sig.String()+"/postgres", func(t *testing.T) {
			_, dsn := pgtest.Schema(t)
			testCrash(t, sig, "--db "+dsn)
		})
	}
}

func testCrash(t *testing.T, sig syscall.Signal, storeArgs string) {
	srv := startChild(t, "serve --addr 127.0.0.1:0 "+storeArgs)
	doc := createLayer(t, srv.base)
	editors := make([]*editor, 4)
	for i := range editors {
		editors[i] = newEditor(t, srv.base, doc, fmt.Sprintf("peer%d", i))
		go editors[i].read()
	}
	time.Sleep(200 * time.Millisecond)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, e := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
					e.edit(i)
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	_ = srv.cmd.Process.Signal(sig)
	err := srv.cmd.Wait()
	if sig == syscall.SIGTERM && err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	close(stop)
	wg.Wait()
	want := map[format.ChangeHash]bool{}
	for _, e := range editors {
		e.mu.Lock()
		for h := range e.seen {
			want[h] = true
		}
		e.mu.Unlock()
		_ = e.conn.Close()
	}
	if len(want) < 50 {
		t.Fatalf("only %d acknowledged changes before the kill; the test did not exercise anything", len(want))
	}
	srv2 := startChild(t, "serve --addr 127.0.0.1:0 "+storeArgs)
	check := newEditor(t, srv2.base, doc, "checker")
	m, err := check.conn.Recv()
	for err == nil && m.Type != wire.TypeSync {
		m, err = check.conn.Recv()
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := check.r.Receive(m.Data); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for h := range want {
		if !check.r.Has(h) {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged changes lost in the crash", missing, len(want))
	}
	t.Logf("%d acknowledged changes, all present after %s and restart", len(want), sig)
}

func createLayer(t *testing.T, base string) store.DocID {
	resp, err := http.Post(base+"/api/worlds", "application/json", strings.NewReader(`{"name":"Crash"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var w struct{ Layers []struct{ URL string } }
	if err := json.Unmarshal(b, &w); err != nil || len(w.Layers) == 0 {
		t.Fatalf("create world: %s %s", resp.Status, b)
	}
	doc, err := wire.ParseDocURL(w.Layers[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
