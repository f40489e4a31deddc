package server_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
	"github.com/google/uuid"

	"atelier/crdt/format"
	"atelier/crdt/history"
	"atelier/scene"
	"atelier/server"
	"atelier/server/wire"
	"atelier/store"
)

// historyPage is a timeline page as the API returns it, with what the
// index says of each change.
type historyPage struct {
	Changes []struct {
		URL     string              `json:"url"`
		Ordinal int64               `json:"ordinal"`
		Touched []history.NodeTouch `json:"touched"`
		Other   []string            `json:"other"`
		Summary string              `json:"summary"`
	} `json:"changes"`
}

// The timeline is served from the touches in the store: after a restart,
// a page needs no replay of the log, whether the touches were stored
// because a request computed them, because the documents committed
// changes, or at shutdown; and changes made after the restart are indexed
// in the background too. Every page says what a tracker replaying the log
// says.
func TestHistoryIndexSurvivesRestart(t *testing.T) { bothStores(t, testHistoryIndexSurvivesRestart) }

func testHistoryIndexSurvivesRestart(t *testing.T, open opener) {
	const quick, never = 10 * time.Millisecond, time.Hour
	tests := []struct {
		name  string
		delay time.Duration
		index func(t *testing.T, ts *testServer, w worldResp)
	}{
		{"indexed by a request", never, func(t *testing.T, ts *testServer, w worldResp) {
			getJSON(t, ts, "/api/worlds/"+w.ID+"/history?limit=100", http.StatusOK, nil)
			waitIndexed(t, ts.st, w)
		}},
		{"indexed after commits", quick, func(t *testing.T, ts *testServer, w worldResp) {
			waitIndexed(t, ts.st, w)
		}},
		{"indexed at shutdown", never, func(t *testing.T, ts *testServer, w worldResp) {
			ts.stop()
			checkIndexed(t, ts.st, w)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := server.Config{HistoryIndexDelay: tc.delay}
			ts := startServerOn(t, open, "", cfg)
			w := ts.createWorld(t, "", "Harbor")
			editLayer(t, ts, w, "alice")
			tc.index(t, ts, w)
			ts.stop()

			again := restart(t, ts, cfg)
			checkPage(t, again, w)
			if n := again.srv.ReplayedChanges(); n != 0 {
				t.Fatalf("after a restart the page replayed %d changes, want none", n)
			}

			// Changes made after the restart are indexed in the background.
			again.stop()
			third := restart(t, again, server.Config{HistoryIndexDelay: quick})
			editLayer(t, third, w, "bob")
			waitIndexed(t, third.st, w)
			third.stop()
			last := restart(t, third, cfg)
			checkPage(t, last, w)
			if n := last.srv.ReplayedChanges(); n != 0 {
				t.Fatalf("the page of changes indexed in the background replayed %d changes, want none", n)
			}
		})
	}
}

// A page whose older changes' touches are stored and whose newest are not
// reads the former from the store and the latter from the tracker, which
// stayed in memory and runs through the new changes only; touches the
// store holds are dropped from memory.
func TestHistoryFromStoreAndTracker(t *testing.T) { bothStores(t, testHistoryFromStoreAndTracker) }

func testHistoryFromStoreAndTracker(t *testing.T, open opener) {
	ts := startServerOn(t, open, "", server.Config{HistoryIndexDelay: time.Hour})
	w := ts.createWorld(t, "", "Harbor")
	editLayer(t, ts, w, "alice")
	getJSON(t, ts, "/api/worlds/"+w.ID+"/history?limit=100", http.StatusOK, nil)
	replayed := ts.srv.ReplayedChanges()
	if want := int64(1 + 7); replayed != want { // the manifest's change, the layer's
		t.Fatalf("the first page replayed %d changes, want %d", replayed, want)
	}
	waitIndexed(t, ts.st, w)
	layer := worldDocs(t, w)[1]
	deadline := time.Now().Add(10 * time.Second)
	for ts.srv.HeldTouches(layer) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the index still holds %d stored touches of the layer", ts.srv.HeldTouches(layer))
		}
		time.Sleep(5 * time.Millisecond)
	}

	editLayer(t, ts, w, "bob") // queued to be indexed in an hour
	checkPage(t, ts, w)
	if got := ts.srv.ReplayedChanges() - replayed; got != 6 {
		t.Fatalf("the page ran %d changes through the trackers, want bob's 6", got)
	}
}

// restart serves the store of a stopped server again, as a new process.
func restart(t *testing.T, ts *testServer, cfg server.Config) *testServer {
	t.Helper()
	again := serveStore(t, ts.st, "", cfg)
	t.Cleanup(again.stop) // before the store closes: cleanups run last first
	return again
}

// editLayer connects to the world's layer as user and makes changes of
// every kind the timeline describes: nodes added, renamed, moved, edited
// and deleted.
func editLayer(t *testing.T, ts *testServer, w worldResp, user string) {
	t.Helper()
	e := newLayerEditor(t, ts, w.Layers[0].URL, user)
	defer e.conn.Close()
	crate, barrel := scene.NodeID(uuid.NewString()), scene.NodeID(uuid.NewString())
	opt := scene.OpOptions{Author: user}
	for _, op := range []func(*automerge.Doc) (automerge.ChangeHash, error){
		func(d *automerge.Doc) (automerge.ChangeHash, error) {
			return scene.CreateNode(d, scene.Node{ID: crate, Name: "Crate", Kind: "mesh"}, scene.Position{}, opt)
		},
		func(d *automerge.Doc) (automerge.ChangeHash, error) {
			return scene.CreateNode(d, scene.Node{ID: barrel, Name: "Barrel", Kind: "mesh"}, scene.Position{}, opt)
		},
		func(d *automerge.Doc) (automerge.ChangeHash, error) {
			return scene.SetProperty(d, crate, scene.PropName, "Big Crate", opt)
		},
		func(d *automerge.Doc) (automerge.ChangeHash, error) {
			return scene.SetTransformElement(d, crate, "t", 1, 2.5, opt)
		},
		func(d *automerge.Doc) (automerge.ChangeHash, error) {
			return scene.AddComponent(d, barrel, "light", map[string]any{"intensity": 2.0}, opt)
		},
		func(d *automerge.Doc) (automerge.ChangeHash, error) { return scene.DeleteSubtree(d, barrel, opt) },
	} {
		e.apply(op)
	}
}

// waitIndexed waits until the store holds the touches of every change of
// the world's documents.
func waitIndexed(t *testing.T, st store.Store, w worldResp) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !indexed(t, st, w) {
		if time.Now().After(deadline) {
			t.Fatal("the history touches were not stored within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkIndexed fails t unless the store holds the touches of every change
// of the world's documents.
func checkIndexed(t *testing.T, st store.Store, w worldResp) {
	t.Helper()
	if !indexed(t, st, w) {
		t.Fatal("the history touches are not all stored")
	}
}

func indexed(t *testing.T, st store.Store, w worldResp) bool {
	t.Helper()
	for _, doc := range worldDocs(t, w) {
		n, err := st.TouchedUpTo(context.Background(), doc)
		if err != nil {
			t.Fatal(err)
		}
		if last := len(mustChanges(t, st, doc)); n != int64(last) {
			return false
		}
	}
	return true
}

func worldDocs(t *testing.T, w worldResp) []store.DocID {
	t.Helper()
	var docs []store.DocID
	for _, u := range append([]string{w.URL}, w.Layers[0].URL) {
		doc, err := wire.ParseDocURL(u)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
	}
	return docs
}

func mustChanges(t *testing.T, st store.Store, doc store.DocID) []store.Change {
	t.Helper()
	chs, err := st.Changes(context.Background(), doc, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	return chs
}

// checkPage fails t unless the world's whole timeline describes every
// change as a tracker replaying its document's log does.
func checkPage(t *testing.T, ts *testServer, w worldResp) {
	t.Helper()
	want := map[string][]history.Touch{} // document URL → touches by ordinal - 1
	total := 0
	for _, doc := range worldDocs(t, w) {
		tr := history.NewTracker()
		for _, c := range mustChanges(t, ts.st, doc) {
			var touch history.Touch
			if fc, _, err := format.ParseChange(c.Raw); err == nil {
				touch, _ = tr.Apply(fc)
			}
			want["automerge:"+string(doc)] = append(want["automerge:"+string(doc)], touch)
			total++
		}
	}
	var page historyPage
	getJSON(t, ts, "/api/worlds/"+w.ID+"/history?limit=100", http.StatusOK, &page)
	if len(page.Changes) != total {
		t.Fatalf("the timeline has %d changes, want %d", len(page.Changes), total)
	}
	for _, c := range page.Changes {
		touch := want[c.URL][c.Ordinal-1]
		if !reflect.DeepEqual(c.Touched, touch.Nodes) || !reflect.DeepEqual(c.Other, touch.Other) || c.Summary != history.Summary(touch) {
			t.Errorf("%s #%d described as %+v %v %q; the tracker says %+v %v %q",
				c.URL, c.Ordinal, c.Touched, c.Other, c.Summary, touch.Nodes, touch.Other, history.Summary(touch))
		}
	}
}
