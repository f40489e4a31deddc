package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"atelier/crdt"
	"atelier/crdt/format"
	"atelier/server"
	"atelier/server/auth"
	"atelier/server/syncclient"
	"atelier/server/wire"
	"atelier/store"
	"atelier/store/postgres"
	"atelier/store/postgres/pgtest"
	"atelier/store/sqlite"
)

// testServer is a real server on a loopback port with a fresh SQLite store.
type testServer struct {
	base string // http://127.0.0.1:port
	st   store.Store
	auth *auth.Authenticator
	srv  *server.Server
	stop func() // stops the server and its hub, leaving the store open; idempotent
}

// opener opens a fresh, empty store for one test.
type opener func(t *testing.T) store.Store

func openSQLite(t *testing.T) store.Store {
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/atelier.db")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func openPostgres(t *testing.T) store.Store {
	_, dsn := pgtest.Schema(t)
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// bothStores runs fn against SQLite and PostgreSQL: same behaviour, same tests.
func bothStores(t *testing.T, fn func(t *testing.T, open opener)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openSQLite) })
	t.Run("postgres", func(t *testing.T) { fn(t, openPostgres) })
}

func startServer(t *testing.T, secret string, cfg server.Config) *testServer {
	return startServerOn(t, openSQLite, secret, cfg)
}

func startServerOn(t *testing.T, open opener, secret string, cfg server.Config) *testServer {
	t.Helper()
	st := open(t)
	ts := serveStore(t, st, secret, cfg)
	t.Cleanup(func() { ts.stop(); _ = st.Close() })
	return ts
}

// serveStore runs a hub and a server over st, as a process started on that
// store would, until ts.stop. The hub tells the server of its commits.
func serveStore(t *testing.T, st store.Store, secret string, cfg server.Config) *testServer {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var srv *server.Server
	hub := crdt.NewHub(st, log, crdt.Config{OnCommit: func(doc store.DocID, ordinal int64) { srv.Committed(doc, ordinal) }})
	a := auth.NewAuthenticator([]byte(secret), secret == "")
	srv = server.New(cfg, st, hub, a, log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hubDone, srvDone := make(chan struct{}), make(chan struct{})
	go func() { _ = hub.Run(ctx); close(hubDone) }()
	go func() { _ = srv.Serve(ctx, ln); close(srvDone) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-srvDone; <-hubDone }) }
	return &testServer{base: "http://" + ln.Addr().String(), st: st, auth: a, srv: srv, stop: stop}
}

func (ts *testServer) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(ts.base, "http") + "/sync" + query
}

type worldResp struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	URL    string `json:"url"`
	Layers []struct {
		ID, Name, URL string
	} `json:"layers"`
	Error string `json:"error"`
}

func (ts *testServer) do(t *testing.T, method, path, token string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, ts.base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (ts *testServer) createWorld(t *testing.T, token, name string) worldResp {
	t.Helper()
	resp, b := ts.do(t, http.MethodPost, "/api/worlds", token, map[string]string{"name": name})
	var w worldResp
	if err := json.Unmarshal(b, &w); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create world: %s %s", resp.Status, b)
	}
	return w
}

func dial(t *testing.T, url, peer string) *syncclient.Conn {
	t.Helper()
	c, err := syncclient.Dial(context.Background(), url, wire.PeerID(peer), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// expectClose reads until the server closes the connection, returning the
// error message it sent (if any) and the close code.
func expectClose(t *testing.T, c *syncclient.Conn) (string, int) {
	t.Helper()
	msg := ""
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		m, err := c.Recv()
		if err != nil {
			return msg, syncclient.CloseCode(err)
		}
		if m.Type == wire.TypeError {
			msg = m.ErrorMessage
		}
	}
	t.Fatal("server did not close the connection")
	return "", 0
}

// requestDoc asks for a document and returns the replica after the server's answer.
func requestDoc(t *testing.T, c *syncclient.Conn, doc store.DocID) *syncclient.Replica {
	t.Helper()
	r := syncclient.NewReplica(doc)
	send(t, c, doc, wire.TypeRequest, r.RequestMessage())
	m := recvType(t, c, wire.TypeSync)
	if _, _, err := r.Receive(m.Data); err != nil {
		t.Fatal(err)
	}
	return r
}

func send(t *testing.T, c *syncclient.Conn, doc store.DocID, typ string, data []byte) {
	t.Helper()
	if err := c.Send(&wire.Message{Type: typ, SenderID: c.Self, TargetID: c.Server, DocumentID: doc, Data: data}); err != nil {
		t.Fatal(err)
	}
}

func recvType(t *testing.T, c *syncclient.Conn, typ string) *wire.Message {
	t.Helper()
	for {
		m, err := c.Recv()
		if err != nil {
			t.Fatalf("waiting for %q: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
	}
}

func TestWorldAPI(t *testing.T) { bothStores(t, testWorldAPI) }

func testWorldAPI(t *testing.T, open opener) {
	ts := startServerOn(t, open, "", server.Config{})
	w := ts.createWorld(t, "", "Harbor")
	if w.Name != "Harbor" || !strings.HasPrefix(w.URL, "automerge:") || len(w.Layers) != 1 || w.Layers[0].Name != "Main" {
		t.Fatalf("created %+v", w)
	}
	resp, b := ts.do(t, http.MethodGet, "/api/worlds/"+w.ID, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), w.Layers[0].URL) {
		t.Fatalf("get: %s %s", resp.Status, b)
	}
	resp, b = ts.do(t, http.MethodGet, "/api/worlds", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), w.ID) {
		t.Fatalf("list: %s %s", resp.Status, b)
	}
	resp, b = ts.do(t, http.MethodGet, "/api/worlds/"+w.ID+"/scene", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"roots"`) {
		t.Fatalf("scene: %s %s", resp.Status, b)
	}
	bad := []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", "/api/worlds", map[string]string{"name": "  "}, 400},
		{"POST", "/api/worlds", map[string]any{"name": 5}, 400},
		{"POST", "/api/worlds", map[string]string{"name": "x", "extra": "y"}, 400},
		{"POST", "/api/worlds", map[string]string{"name": strings.Repeat("n", 201)}, 400},
		{"GET", "/api/worlds/not-a-uuid", nil, 404},
		{"GET", "/api/worlds/00000000-0000-4000-8000-000000000000", nil, 404},
		{"GET", "/api/worlds/00000000-0000-4000-8000-000000000000/scene", nil, 404},
	}
	for _, tc := range bad {
		t.Run(fmt.Sprintf("%s %s %d", tc.method, tc.path, tc.status), func(t *testing.T) {
			resp, b := ts.do(t, tc.method, tc.path, "", tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), `"error"`) {
				t.Fatalf("%s %s", resp.Status, b)
			}
		})
	}
	if resp, _ := ts.do(t, "GET", "/healthz", "", nil); resp.StatusCode != 200 {
		t.Fatal("healthz")
	}
}

// Two protocol clients co-edit a layer: an edit reaches the other peer, and
// presence (ephemeral) is relayed to the other peer of the same document.
func TestSyncCoEditAndPresence(t *testing.T) { bothStores(t, testSyncCoEditAndPresence) }

func testSyncCoEditAndPresence(t *testing.T, open opener) {
	ts := startServerOn(t, open, "", server.Config{})
	w := ts.createWorld(t, "", "Harbor")
	doc, _ := wire.ParseDocURL(w.Layers[0].URL)
	a, b := dial(t, ts.wsURL("?user=alice"), "alice"), dial(t, ts.wsURL("?user=bob"), "bob")
	ra, rb := requestDoc(t, a, doc), requestDoc(t, b, doc)
	if ra.Len() == 0 || rb.Len() != ra.Len() {
		t.Fatalf("replicas got %d and %d changes", ra.Len(), rb.Len())
	}
	c, err := ra.Edit("hello", putRoot("greeting", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	send(t, a, doc, wire.TypeSync, ra.SyncMessage(c))
	got := recvType(t, b, wire.TypeSync)
	chs, _, err := rb.Receive(got.Data)
	if err != nil || len(chs) != 1 || chs[0].Hash != c.Hash {
		t.Fatalf("bob got %d changes (%v), want alice's", len(chs), err)
	}
	if err := a.Send(&wire.Message{Type: wire.TypeEphemeral, SenderID: a.Self, TargetID: a.Server, DocumentID: doc, Data: []byte{0xa1, 0x61, 0x78, 0x01}, Count: 1, SessionID: "s1"}); err != nil {
		t.Fatal(err)
	}
	e := recvType(t, b, wire.TypeEphemeral)
	if e.SenderID != "alice" || e.Count != 1 || e.SessionID != "s1" || !bytes.Equal(e.Data, []byte{0xa1, 0x61, 0x78, 0x01}) {
		t.Fatalf("relayed ephemeral %+v", e)
	}
	idx, err := ts.st.ChangeIndex(context.Background(), doc, 0)
	if err != nil || len(idx) != 2 {
		t.Fatalf("stored %d changes (%v), want 2", len(idx), err)
	}
}

// Bad input: each case gets an error message (when joined) and the close
// code that mirrors its HTTP status, and nothing is stored.
func TestSyncBadInput(t *testing.T) {
	ts := startServer(t, "", server.Config{MaxMessageBytes: 1 << 16, HandshakeTimeout: 300 * time.Millisecond})
	w := ts.createWorld(t, "", "Harbor")
	doc, _ := wire.ParseDocURL(w.Layers[0].URL)
	raw := func(t *testing.T) *websocket.Conn {
		ws, _, err := websocket.DefaultDialer.Dial(ts.wsURL(""), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ws.Close() })
		return ws
	}
	closeCode := func(t *testing.T, ws *websocket.Conn) int {
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return syncclient.CloseCode(err)
			}
		}
	}
	t.Run("no join", func(t *testing.T) {
		if code := closeCode(t, raw(t)); code != server.CloseTimeout {
			t.Fatalf("close %d, want %d", code, server.CloseTimeout)
		}
	})
	t.Run("malformed CBOR", func(t *testing.T) {
		ws := raw(t)
		_ = ws.WriteMessage(websocket.BinaryMessage, []byte{0xbf, 0xff, 0x00})
		if code := closeCode(t, ws); code != server.CloseBadMessage {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("sync before join", func(t *testing.T) {
		ws := raw(t)
		b, _ := wire.Encode(&wire.Message{Type: wire.TypeSync, SenderID: "x", TargetID: "y", DocumentID: doc, Data: []byte{0x42}})
		_ = ws.WriteMessage(websocket.BinaryMessage, b)
		if code := closeCode(t, ws); code != server.CloseBadMessage {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("unsupported protocol", func(t *testing.T) {
		ws := raw(t)
		b, _ := wire.Encode(&wire.Message{Type: wire.TypeJoin, SenderID: "x", SupportedProtocolVersions: []string{"2"}})
		_ = ws.WriteMessage(websocket.BinaryMessage, b)
		if code := closeCode(t, ws); code != server.CloseBadMessage {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("sync without data", func(t *testing.T) {
		ws := raw(t)
		b, _ := wire.Encode(&wire.Message{Type: wire.TypeJoin, SenderID: "x"})
		_ = ws.WriteMessage(websocket.BinaryMessage, b)
		// A hand-built sync message lacking its data field.
		m := []byte{0xa4, 0x64, 't', 'y', 'p', 'e', 0x64, 's', 'y', 'n', 'c', 0x68, 's', 'e', 'n', 'd', 'e', 'r', 'I', 'd', 0x61, 'x',
			0x68, 't', 'a', 'r', 'g', 'e', 't', 'I', 'd', 0x61, 'y', 0x6a, 'd', 'o', 'c', 'u', 'm', 'e', 'n', 't', 'I', 'd'}
		m = append(append(m, byte(0x60|len(doc))), doc...)
		_ = ws.WriteMessage(websocket.BinaryMessage, m)
		if code := closeCode(t, ws); code != server.CloseBadMessage {
			t.Fatalf("close %d", code)
		}
	})
	t.Run("text frame", func(t *testing.T) {
		ws := raw(t)
		b, _ := wire.Encode(&wire.Message{Type: wire.TypeJoin, SenderID: "texter"})
		_ = ws.WriteMessage(websocket.BinaryMessage, b)
		_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"sync"}`))
		if code := closeCode(t, ws); code != server.CloseBadMessage {
			t.Fatalf("close %d", code)
		}
	})
	joinedCases := []struct {
		name string
		data func(r *syncclient.Replica) []byte
		code int
	}{
		{"garbage sync data", func(*syncclient.Replica) []byte { return []byte{0x42, 0x05, 0x01} }, server.CloseBadMessage},
		{"corrupt change", func(r *syncclient.Replica) []byte {
			c, _ := r.Edit("x", putRoot("k", "v"))
			c.Raw[len(c.Raw)-1] ^= 0x55
			return r.SyncMessage(c)
		}, server.CloseBadMessage},
		{"oversize message", func(*syncclient.Replica) []byte { return bytes.Repeat([]byte{1}, 1<<17) }, server.CloseTooLarge},
	}
	for _, tc := range joinedCases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, ts.wsURL(""), "mallory-"+tc.name)
			r := requestDoc(t, c, doc)
			// The server may close before an oversize write completes: the
			// write error is expected, the close code is what we check.
			_ = c.Send(&wire.Message{Type: wire.TypeSync, SenderID: c.Self, TargetID: c.Server, DocumentID: doc, Data: tc.data(r)})
			if _, code := expectClose(t, c); code != tc.code {
				t.Fatalf("close %d, want %d", code, tc.code)
			}
			if idx, _ := ts.st.ChangeIndex(context.Background(), doc, 0); len(idx) != 1 {
				t.Fatalf("stored %d changes, want 1", len(idx))
			}
		})
	}
	t.Run("unknown message type is ignored", func(t *testing.T) {
		c := dial(t, ts.wsURL(""), "future")
		_ = c.Send(&wire.Message{Type: "some-future-type", SenderID: c.Self, TargetID: c.Server})
		r := requestDoc(t, c, doc) // still served
		if r.Len() == 0 {
			t.Fatal("no document after an unknown message")
		}
	})
	t.Run("unknown document", func(t *testing.T) {
		c := dial(t, ts.wsURL(""), "lost")
		send(t, c, wire.NewDocID(), wire.TypeRequest, syncclient.NewReplica("").RequestMessage())
		recvType(t, c, wire.TypeDocUnavailable)
	})
}

// Token mode: no token is 401; a viewer syncs but its changes are refused
// with 4403 and nothing is stored; an editor's are stored.
func TestSyncAuth(t *testing.T) { bothStores(t, testSyncAuth) }

func testSyncAuth(t *testing.T, open opener) {
	ts := startServerOn(t, open, "s3cret", server.Config{})
	admin, _ := ts.auth.Issue("admin", nil, auth.RoleOwner, time.Hour)
	w := ts.createWorld(t, admin, "Harbor")
	doc, _ := wire.ParseDocURL(w.Layers[0].URL)
	if resp, _ := ts.do(t, "GET", "/api/worlds", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %s", resp.Status)
	}
	_, err := syncclient.Dial(context.Background(), ts.wsURL(""), "anon", nil)
	if code := syncclient.CloseCode(err); code != server.CloseUnauthenticated {
		t.Fatalf("websocket without a token: %v (close %d), want close %d", err, code, server.CloseUnauthenticated)
	}
	viewer, _ := ts.auth.Issue("vera", map[store.WorldID]auth.Role{store.WorldID(w.ID): auth.RoleViewer}, "", time.Hour)
	editor, _ := ts.auth.Issue("ed", map[store.WorldID]auth.Role{store.WorldID(w.ID): auth.RoleEditor}, "", time.Hour)
	other, _ := ts.auth.Issue("olga", map[store.WorldID]auth.Role{"00000000-0000-4000-8000-000000000000": auth.RoleOwner}, "", time.Hour)

	for _, path := range []string{"/restore", "/revert", "/versions"} {
		resp, body := ts.do(t, http.MethodPost, "/api/worlds/"+w.ID+path, viewer, map[string]string{"at": "x", "change": "x", "name": "x"})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("viewer POST %s: %s %s, want 403", path, resp.Status, body)
		}
	}
	o := dial(t, ts.wsURL("?token="+other), "olga")
	send(t, o, doc, wire.TypeRequest, syncclient.NewReplica(doc).RequestMessage())
	recvType(t, o, wire.TypeDocUnavailable)

	v := dial(t, ts.wsURL("?token="+viewer), "vera")
	rv := requestDoc(t, v, doc)
	c, _ := rv.Edit("sneaky", putRoot("k", "v"))
	send(t, v, doc, wire.TypeSync, rv.SyncMessage(c))
	if msg, code := expectClose(t, v); code != server.CloseForbidden || !strings.Contains(msg, "read-only") {
		t.Fatalf("viewer: close %d %q", code, msg)
	}
	e := dial(t, ts.wsURL("?token="+editor), "ed")
	re := requestDoc(t, e, doc)
	c, _ = re.Edit("fine", putRoot("k", "v"))
	send(t, e, doc, wire.TypeSync, re.SyncMessage(c))
	recvType(t, e, wire.TypeSync)
	idx, _ := ts.st.ChangeIndex(context.Background(), doc, 0)
	if len(idx) != 2 {
		t.Fatalf("stored %d changes, want 2 (initial + editor's)", len(idx))
	}
	if got, _ := ts.st.Changes(context.Background(), doc, 2, 2); len(got) != 1 || got[0].User != "ed" {
		t.Fatalf("change attributed to %+v, want ed", got)
	}
}

func putRoot(key string, v any) format.MapPut { return format.MapPut{Key: key, Value: v} }
