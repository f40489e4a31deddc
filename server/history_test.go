package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
	"github.com/google/uuid"

	"atelier/crdt/format"
	"atelier/scene"
	"atelier/server"
	"atelier/server/syncclient"
	"atelier/server/wire"
	"atelier/store"
)

// editor is a protocol client that also keeps an automerge-go copy of the
// layer, to make real scene edits.
type layerEditor struct {
	t    *testing.T
	conn *syncclient.Conn
	r    *syncclient.Replica
	doc  *automerge.Doc
	id   store.DocID
}

func newLayerEditor(t *testing.T, ts *testServer, layerURL, user string) *layerEditor {
	id, _ := wire.ParseDocURL(layerURL)
	conn := dial(t, ts.wsURL("?user="+user), user)
	r := syncclient.NewReplica(id)
	send(t, conn, id, wire.TypeRequest, r.RequestMessage())
	m := recvType(t, conn, wire.TypeSync)
	chs, _, err := r.Receive(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	doc := automerge.New()
	for _, c := range chs {
		if err := doc.LoadIncremental(c.Raw); err != nil {
			t.Fatal(err)
		}
	}
	return &layerEditor{t: t, conn: conn, r: r, doc: doc, id: id}
}

// addNode adds a node, sends the change, waits until the server has it and
// returns the change's hash.
func (e *layerEditor) addNode(name string) format.ChangeHash {
	e.t.Helper()
	if err := scene.AddNode(e.doc, scene.Node{ID: scene.NodeID(uuid.NewString()), Name: name, Kind: "mesh"}); err != nil {
		e.t.Fatal(err)
	}
	h, err := e.doc.Commit("add " + name)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.push(h)
}

// apply runs a scene operation on the editor's copy, sends its change and
// waits until the server has it.
func (e *layerEditor) apply(op func(*automerge.Doc) (automerge.ChangeHash, error)) format.ChangeHash {
	e.t.Helper()
	h, err := op(e.doc)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.push(h)
}

// push sends the editor's change h and waits until the server's heads are it.
func (e *layerEditor) push(h automerge.ChangeHash) format.ChangeHash {
	e.t.Helper()
	ch, _ := e.doc.Change(h)
	c, _, err := format.ParseChange(ch.Save())
	if err != nil {
		e.t.Fatal(err)
	}
	e.r.Observe(c)
	send(e.t, e.conn, e.id, wire.TypeSync, e.r.SyncMessage(c))
	for {
		m := recvType(e.t, e.conn, wire.TypeSync)
		if _, heads, _ := e.r.Receive(m.Data); len(heads) == 1 && heads[0] == c.Hash {
			return c.Hash
		}
	}
}

func getJSON(t *testing.T, ts *testServer, path string, status int, into any) {
	t.Helper()
	resp, body := ts.do(t, http.MethodGet, path, "", nil)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %s %s", path, resp.Status, body)
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
}

type sceneResp struct {
	Layers []struct {
		Tree scene.Tree `json:"tree"`
	} `json:"layers"`
}

func nodeCount(t *testing.T, ts *testServer, worldID, at string) int {
	t.Helper()
	var s sceneResp
	getJSON(t, ts, "/api/worlds/"+worldID+"/scene?at="+url.QueryEscape(at), http.StatusOK, &s)
	n := 0
	for _, l := range s.Layers {
		n += len(l.Tree.Nodes)
	}
	return n
}

// Timeline, named versions and time travel, on both stores.
func TestHistoryVersionsTimeTravel(t *testing.T) { bothStores(t, testHistoryVersionsTimeTravel) }

func testHistoryVersionsTimeTravel(t *testing.T, open opener) {
	ts := startServerOn(t, open, "", server.Config{})
	w := ts.createWorld(t, "", "Harbor")
	before := time.Now().UTC()
	time.Sleep(5 * time.Millisecond)
	e := newLayerEditor(t, ts, w.Layers[0].URL, "alice")
	h1 := e.addNode("Crate")
	if resp, body := ts.do(t, http.MethodPost, "/api/worlds/"+w.ID+"/versions", "", map[string]string{"name": "alpha"}); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create version: %s %s", resp.Status, body)
	}
	h2 := e.addNode("Barrel")

	// Timeline: newest first, paged, attributed to the delivering user.
	var page struct {
		Changes []struct{ Hash, User, Layer string } `json:"changes"`
		Next    string                               `json:"next"`
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/history?limit=2", http.StatusOK, &page)
	if len(page.Changes) != 2 || page.Changes[0].Hash != h2.String() || page.Changes[1].Hash != h1.String() || page.Changes[0].User != "alice" || page.Next == "" {
		t.Fatalf("first page %+v", page)
	}
	var described struct {
		Changes []struct {
			Summary string
			Touched []struct {
				ID      string
				Created bool
			}
		}
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/history?limit=1", http.StatusOK, &described)
	if c := described.Changes[0]; c.Summary != "added Barrel" || len(c.Touched) != 1 || !c.Touched[0].Created {
		t.Fatalf("newest change described as %+v", c)
	}
	barrel := described.Changes[0].Touched[0].ID
	var blame struct {
		Props []struct{ Prop, Hash, User string }
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/nodes/"+barrel+"/blame", http.StatusOK, &blame)
	if len(blame.Props) == 0 || blame.Props[0].Hash != h2.String() || blame.Props[0].User != "alice" {
		t.Fatalf("blame of Barrel: %+v", blame)
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/nodes/"+uuid.NewString()+"/blame", http.StatusNotFound, nil)
	getJSON(t, ts, "/api/worlds/"+w.ID+"/history?limit=2&before="+url.QueryEscape(page.Next), http.StatusOK, &page)
	if len(page.Changes) != 2 { // the layer's and the manifest's first changes
		t.Fatalf("second page %+v", page)
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/history?layer="+w.Layers[0].ID, http.StatusOK, &page)
	if len(page.Changes) != 3 || page.Next != "" {
		t.Fatalf("layer history %+v", page)
	}

	// Time travel by hash, version name and time.
	for at, want := range map[string]int{
		h1.String(): 1, h2.String(): 2, "alpha": 1,
		before.Format(time.RFC3339Nano): 0, time.Now().UTC().Format(time.RFC3339Nano): 2,
	} {
		if got := nodeCount(t, ts, w.ID, at); got != want {
			t.Errorf("scene at %s: %d nodes, want %d", at, got, want)
		}
	}

	// Diff: from the first node to now, one node added; from now to now, nothing.
	var diff struct {
		Layers []struct {
			Diff scene.TreeDiff `json:"diff"`
		} `json:"layers"`
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/diff?from="+h1.String(), http.StatusOK, &diff)
	if len(diff.Layers) != 1 || len(diff.Layers[0].Diff.Added) != 1 || len(diff.Layers[0].Diff.Removed) != 0 {
		t.Fatalf("diff from h1 to now: %+v", diff)
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/diff?from=alpha&to="+url.QueryEscape(before.Format(time.RFC3339Nano)), http.StatusOK, &diff)
	if len(diff.Layers[0].Diff.Removed) != 1 || len(diff.Layers[0].Diff.Added) != 0 {
		t.Fatalf("diff from alpha back to the start: %+v", diff)
	}

	// Restore to "alpha" (Barrel did not exist): one change, Barrel gone;
	// reverting that restore brings it back.
	var restored struct {
		Layers []struct {
			Change  string
			Deleted []string
		}
	}
	postJSON(t, ts, "/api/worlds/"+w.ID+"/restore", map[string]any{"at": "alpha"}, http.StatusOK, &restored)
	if len(restored.Layers) != 1 || len(restored.Layers[0].Deleted) != 1 || restored.Layers[0].Change == "" {
		t.Fatalf("restore: %+v", restored)
	}
	if n := nodeCount(t, ts, w.ID, time.Now().UTC().Format(time.RFC3339Nano)); n != 1 {
		t.Fatalf("after restore: %d nodes, want 1", n)
	}
	var reverted struct {
		Change  string
		Created []string
	}
	postJSON(t, ts, "/api/worlds/"+w.ID+"/revert", map[string]any{"change": restored.Layers[0].Change}, http.StatusOK, &reverted)
	if len(reverted.Created) != 1 || reverted.Change == "" {
		t.Fatalf("revert of the restore: %+v", reverted)
	}
	if n := nodeCount(t, ts, w.ID, time.Now().UTC().Format(time.RFC3339Nano)); n != 2 {
		t.Fatalf("after revert: %d nodes, want 2", n)
	}

	var versions struct {
		Versions []struct{ Name string } `json:"versions"`
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/versions", http.StatusOK, &versions)
	if len(versions.Versions) != 1 || versions.Versions[0].Name != "alpha" {
		t.Fatalf("versions %+v", versions)
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/versions/alpha", http.StatusOK, nil)

	// Bad input: clear errors, nothing written.
	bad := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api/worlds/" + w.ID + "/scene?at=nope", nil, 404},
		{"GET", "/api/worlds/" + w.ID + "/scene?at=" + "0000000000000000000000000000000000000000000000000000000000000000", nil, 404},
		{"GET", "/api/worlds/" + w.ID + "/scene?at=", nil, 400},
		{"GET", "/api/worlds/" + w.ID + "/versions/nope", nil, 404},
		{"GET", "/api/worlds/" + w.ID + "/diff", nil, 400},
		{"POST", "/api/worlds/" + w.ID + "/restore", map[string]any{"at": "nope"}, 404},
		{"POST", "/api/worlds/" + w.ID + "/restore", map[string]any{"at": "alpha", "nodes": []string{uuid.NewString()}}, 404},
		{"POST", "/api/worlds/" + w.ID + "/restore", map[string]any{"when": "alpha"}, 400},
		{"POST", "/api/worlds/" + w.ID + "/restore", map[string]any{"at": "alpha", "properties": []string{"/bogus"}}, 400},
		{"POST", "/api/worlds/" + w.ID + "/revert", map[string]any{"change": "xyz"}, 400},
		{"POST", "/api/worlds/" + w.ID + "/revert", map[string]any{"change": "0000000000000000000000000000000000000000000000000000000000000000"}, 404},
		{"GET", "/api/worlds/" + w.ID + "/diff?from=nope", nil, 404},
		{"POST", "/api/worlds/" + w.ID + "/versions", map[string]string{"name": "alpha"}, 409},
		{"POST", "/api/worlds/" + w.ID + "/versions", map[string]string{"name": ""}, 400},
		{"POST", "/api/worlds/" + w.ID + "/versions", map[string]string{"name": h1.String()}, 400},
		{"GET", "/api/worlds/" + w.ID + "/history?limit=0", nil, 400},
		{"GET", "/api/worlds/" + w.ID + "/history?before=garbage", nil, 400},
		{"GET", "/api/worlds/" + w.ID + "/history?layer=" + uuid.NewString(), nil, 404},
	}
	for _, tc := range bad {
		resp, body := ts.do(t, tc.method, tc.path, "", tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %s %s, want %d", tc.method, tc.path, resp.Status, body, tc.status)
		}
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/versions", http.StatusOK, &versions)
	if len(versions.Versions) != 1 {
		t.Fatalf("a refused request wrote a version: %+v", versions)
	}
}

func postJSON(t *testing.T, ts *testServer, path string, body any, status int, into any) {
	t.Helper()
	resp, b := ts.do(t, http.MethodPost, path, "", body)
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %s %s", path, resp.Status, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
	}
}

// Branches: fork, edit both sides concurrently, preview, merge: both
// sides' edits survive.
func TestBranches(t *testing.T) { bothStores(t, testBranches) }

func testBranches(t *testing.T, open opener) {
	ts := startServerOn(t, open, "", server.Config{})
	w := ts.createWorld(t, "", "Harbor")
	main := newLayerEditor(t, ts, w.Layers[0].URL, "alice")
	main.addNode("Crate")
	var b struct {
		ID     string
		Parent string
		Layers []struct{ URL string }
	}
	postJSON(t, ts, "/api/worlds/"+w.ID+"/branches", map[string]string{"name": "night-lighting"}, http.StatusCreated, &b)
	if b.Parent != w.ID || len(b.Layers) != 1 {
		t.Fatalf("branch %+v", b)
	}
	if n := nodeCount(t, ts, b.ID, time.Now().UTC().Format(time.RFC3339Nano)); n != 1 {
		t.Fatalf("branch starts with %d nodes, want the parent's 1", n)
	}
	side := newLayerEditor(t, ts, b.Layers[0].URL, "bob")
	side.addNode("Lamp")  // on the branch
	main.addNode("Fence") // concurrently on main
	var preview struct {
		Layers []struct {
			Diff scene.TreeDiff `json:"diff"`
		} `json:"layers"`
	}
	getJSON(t, ts, "/api/worlds/"+w.ID+"/branches/"+b.ID+"/merge-preview", http.StatusOK, &preview)
	if len(preview.Layers) != 1 || len(preview.Layers[0].Diff.Added) != 1 || len(preview.Layers[0].Diff.Removed) != 0 {
		t.Fatalf("preview %+v", preview)
	}
	postJSON(t, ts, "/api/worlds/"+w.ID+"/branches/"+b.ID+"/merge", nil, http.StatusOK, nil)
	if n := nodeCount(t, ts, w.ID, time.Now().UTC().Format(time.RFC3339Nano)); n != 3 {
		t.Fatalf("after merge main has %d nodes, want Crate, Fence and Lamp", n)
	}
	var list struct{ Branches []struct{ ID string } }
	getJSON(t, ts, "/api/worlds/"+w.ID+"/branches", http.StatusOK, &list)
	if len(list.Branches) != 1 || list.Branches[0].ID != b.ID {
		t.Fatalf("branches %+v", list)
	}
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", "/api/worlds/" + w.ID + "/branches", map[string]string{"name": "night-lighting"}, 409},
		{"POST", "/api/worlds/" + w.ID + "/branches", map[string]string{"name": ""}, 400},
		{"POST", "/api/worlds/" + w.ID + "/branches", map[string]string{"name": "x", "from": "nope"}, 404},
		{"POST", "/api/worlds/" + w.ID + "/branches/" + w.ID + "/merge", nil, 400},
		{"POST", "/api/worlds/" + b.ID + "/branches/" + w.ID + "/merge", nil, 400},
		{"GET", "/api/worlds/" + w.ID + "/branches/" + uuid.NewString() + "/merge-preview", nil, 404},
	} {
		resp, body := ts.do(t, tc.method, tc.path, "", tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %s %s, want %d", tc.method, tc.path, resp.Status, body, tc.status)
		}
	}
}

// The layer cache: the current scene follows every committed change (a
// peer's edit, a restore written by the server), and a version read
// twice reads the same both times, on both stores.
func TestSceneCacheFollowsEdits(t *testing.T) { bothStores(t, testSceneCacheFollowsEdits) }

func testSceneCacheFollowsEdits(t *testing.T, open opener) {
	ts := startServerOn(t, open, "", server.Config{})
	w := ts.createWorld(t, "", "Harbor")
	e := newLayerEditor(t, ts, w.Layers[0].URL, "alice")
	count := func() int {
		var s sceneResp
		getJSON(t, ts, "/api/worlds/"+w.ID+"/scene", http.StatusOK, &s)
		return len(s.Layers[0].Tree.Nodes)
	}
	h1 := e.addNode("Crate")
	if n := count(); n != 1 {
		t.Fatalf("scene now: %d nodes, want 1", n)
	}
	e.addNode("Barrel")
	if n := count(); n != 2 {
		t.Fatalf("scene after a peer's edit: %d nodes, want 2 (stale cache?)", n)
	}
	for range 2 {
		if n := nodeCount(t, ts, w.ID, h1.String()); n != 1 {
			t.Fatalf("scene at %s: %d nodes, want 1", h1, n)
		}
	}
	postJSON(t, ts, "/api/worlds/"+w.ID+"/restore", map[string]any{"at": h1.String()}, http.StatusOK, nil)
	if n := count(); n != 1 {
		t.Fatalf("scene after restoring the first version: %d nodes, want 1", n)
	}
	if n := nodeCount(t, ts, w.ID, h1.String()); n != 1 {
		t.Fatalf("scene at %s after the restore: %d nodes, want 1", h1, n)
	}
}
