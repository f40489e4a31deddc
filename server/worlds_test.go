package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/automerge/automerge-go"

	"atelier/scene"
	"atelier/server"
	"atelier/server/auth"
	"atelier/server/wire"
	"atelier/store"
)

// PATCH /api/worlds/{id} renames the world in the store and in its
// manifest document, with one attributed change.
func TestRenameWorld(t *testing.T) { bothStores(t, testRenameWorld) }

func testRenameWorld(t *testing.T, open opener) {
	ts := startServerOn(t, open, "", server.Config{})
	w := ts.createWorld(t, "", "Harbor")
	other := ts.createWorld(t, "", "Other")
	manifest, _ := wire.ParseDocURL(w.URL)
	peer := dial(t, ts.wsURL("?user=bob"), "bob") // a peer of the manifest sees the rename live
	replica := requestDoc(t, peer, manifest)
	resp, b := ts.do(t, http.MethodPatch, "/api/worlds/"+w.ID+"?user=ana", "", map[string]string{"name": "  Harbour ⚓ at dusk "})
	var got worldResp
	if err := json.Unmarshal(b, &got); err != nil || resp.StatusCode != 200 || got.Name != "Harbour ⚓ at dusk" || got.ID != w.ID || len(got.Layers) != 1 {
		t.Fatalf("rename: %s %s", resp.Status, b)
	}
	for _, path := range []string{"/api/worlds/" + w.ID, "/api/worlds"} {
		_, b := ts.do(t, http.MethodGet, path, "", nil)
		if !strings.Contains(string(b), `"name":"Harbour ⚓ at dusk"`) || strings.Contains(string(b), `"name":"Harbor"`) {
			t.Fatalf("GET %s after rename: %s", path, b)
		}
	}
	last := lastChange(t, ts.st, manifest)
	const msg = `atelier/op:1 {"op":"renameWorld","nodes":[],"props":["/name"],"author":"ana"}`
	if last.User != "ana" || last.Message != msg {
		t.Fatalf("manifest change by %q: %q", last.User, last.Message)
	}
	chs, _, err := replica.Receive(recvType(t, peer, wire.TypeSync).Data)
	if err != nil || len(chs) != 1 || store.ChangeHash(chs[0].Hash) != last.Hash {
		t.Fatalf("the manifest's peer got %d changes (%v), want the rename", len(chs), err)
	}
	if m := readManifest(t, ts.st, manifest); m.Name != "Harbour ⚓ at dusk" || len(m.Layers) != 1 {
		t.Fatalf("manifest %+v", m)
	}
	otherManifest, _ := wire.ParseDocURL(other.URL)
	if idx, _ := ts.st.ChangeIndex(context.Background(), otherManifest, 0); len(idx) != 1 {
		t.Fatalf("the other world's manifest has %d changes, want 1", len(idx))
	}

	bad := []struct {
		name   string
		path   string
		body   any
		status int
	}{
		{"blank", w.ID, map[string]string{"name": "   "}, 400},
		{"not a string", w.ID, map[string]any{"name": 5}, 400},
		{"unknown field", w.ID, map[string]string{"name": "x", "layers": "y"}, 400},
		{"too long", w.ID, map[string]string{"name": strings.Repeat("n", 201)}, 400},
		{"no body", w.ID, nil, 400},
		{"unknown world", "00000000-0000-4000-8000-000000000000", map[string]string{"name": "x"}, 404},
		{"not a uuid", "not-a-uuid", map[string]string{"name": "x"}, 404},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := ts.do(t, http.MethodPatch, "/api/worlds/"+tc.path, "", tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), `"error"`) {
				t.Fatalf("%s %s", resp.Status, b)
			}
		})
	}
	if idx, _ := ts.st.ChangeIndex(context.Background(), manifest, 0); len(idx) != 2 {
		t.Fatalf("manifest has %d changes after refused renames, want 2", len(idx))
	}
}

// Only editors and owners may rename; nothing is written otherwise.
func TestRenameWorldRoles(t *testing.T) { bothStores(t, testRenameWorldRoles) }

func testRenameWorldRoles(t *testing.T, open opener) {
	ts := startServerOn(t, open, "s3cret", server.Config{})
	admin, _ := ts.auth.Issue("admin", nil, auth.RoleOwner, time.Hour)
	w := ts.createWorld(t, admin, "Harbor")
	id := store.WorldID(w.ID)
	token := func(user string, role auth.Role) string {
		tok, err := ts.auth.Issue(user, map[store.WorldID]auth.Role{id: role}, "", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	stranger, _ := ts.auth.Issue("olga", map[store.WorldID]auth.Role{"00000000-0000-4000-8000-000000000000": auth.RoleOwner}, "", time.Hour)
	cases := []struct {
		who, token string
		status     int
	}{
		{"no token", "", 401},
		{"viewer", token("vera", auth.RoleViewer), 403},
		{"reviewer", token("rita", auth.RoleReviewer), 403},
		{"owner of another world", stranger, 404},
		{"editor", token("ed", auth.RoleEditor), 200},
		{"owner", token("oona", auth.RoleOwner), 200},
	}
	manifest, _ := wire.ParseDocURL(w.URL)
	changes := 1
	for _, tc := range cases {
		t.Run(tc.who, func(t *testing.T) {
			resp, b := ts.do(t, http.MethodPatch, "/api/worlds/"+w.ID, tc.token, map[string]string{"name": "By " + tc.who})
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s, want %d", resp.Status, b, tc.status)
			}
			if tc.status == 200 {
				changes++
			}
			if idx, _ := ts.st.ChangeIndex(context.Background(), manifest, 0); len(idx) != changes {
				t.Fatalf("manifest has %d changes, want %d", len(idx), changes)
			}
			got, _ := ts.st.GetWorld(context.Background(), id)
			if (got.Name == "By "+tc.who) != (tc.status == 200) {
				t.Fatalf("stored name %q after a %d", got.Name, tc.status)
			}
		})
	}
}

// readManifest materializes a manifest from its stored changes.
func readManifest(t *testing.T, st store.Store, doc store.DocID) *scene.Manifest {
	t.Helper()
	chs, err := st.Changes(context.Background(), doc, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	am := automerge.New()
	for _, c := range chs {
		if err := am.LoadIncremental(c.Raw); err != nil {
			t.Fatal(err)
		}
	}
	m, err := scene.ReadManifest(am)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func lastChange(t *testing.T, st store.Store, doc store.DocID) store.Change {
	t.Helper()
	log, err := st.ChangeLog(context.Background(), doc, 0, 1)
	if err != nil || len(log) != 1 {
		t.Fatalf("change log of %s: %d changes, %v", doc, len(log), err)
	}
	return log[0]
}
