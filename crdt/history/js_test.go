package history

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"testing"
	"time"

	"atelier/crdt/format"
)

// jsHistory is testdata/js-history.json, written by js-history.mjs with
// @automerge/automerge 3.5: a layer history as a JS client writes it.
type jsHistory struct {
	Generator string `json:"generator"`
	Changes   []struct {
		Message string            `json:"message"`
		Hash    string            `json:"hash"`
		Hex     string            `json:"hex"`
		Names   map[string]string `json:"names"` // every node's name after the change, per JS
	} `json:"changes"`
}

const benchID = "00000000-0000-4000-8000-000000000006"

// loadJS returns the JS history and its changes, parsed.
func loadJS(t testing.TB) (*jsHistory, []*format.Change) {
	t.Helper()
	raw, err := os.ReadFile("testdata/js-history.json")
	must(t, err)
	var h jsHistory
	must(t, json.Unmarshal(raw, &h))
	cs := make([]*format.Change, len(h.Changes))
	for i, c := range h.Changes {
		b, err := hex.DecodeString(c.Hex)
		must(t, err)
		if cs[i], _, err = format.ParseChange(b); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		if cs[i].Hash.String() != c.Hash {
			t.Fatalf("change %d: hash %s, JS says %s", i, cs[i].Hash, c.Hash)
		}
	}
	return &h, cs
}

// jsWant is what the tracker must report for each JS change, in file order.
var jsWant = []struct {
	touch   Touch
	summary string
}{
	{Touch{Nodes: []NodeTouch{}, Other: []string{"nodes", "schema"}}, "changed nodes, schema"},
	{Touch{Nodes: []NodeTouch{
		{ID: crateID, Created: true, Props: props(), Name: "Crate"},
		{ID: barrelID, Created: true, Props: props(), Name: "Barrel"},
	}}, "added Crate, Barrel"},
	{Touch{Nodes: []NodeTouch{
		{ID: lampID, Created: true, Props: props(), Name: "Lamp"},
		{ID: fenceID, Created: true, Props: props(), Name: "Fence"},
	}}, "added Lamp, Fence"},
	{Touch{Nodes: []NodeTouch{
		{ID: crateID, Props: props("transform.t.0"), Name: "Crate"},
		{ID: barrelID, Props: props("transform.t.2"), Name: "Barrel"},
	}}, "moved Crate, Barrel"},
	{Touch{Nodes: []NodeTouch{{ID: lampID, Props: props("name"), Name: "Street Lamp", OldName: "Lamp"}}},
		"renamed Lamp → Street Lamp"},
	{Touch{Nodes: []NodeTouch{{ID: barrelID, Props: props("order", "parent"), Name: "Barrel"}}}, "moved Barrel"},
	{Touch{Nodes: []NodeTouch{{ID: lampID, Props: props("components.light.intensity"), Name: "Street Lamp"}}},
		"edited Street Lamp (components.light.intensity)"},
	{Touch{Nodes: []NodeTouch{{ID: crateID, Props: props("components.physics"), Name: "Crate"}}},
		"edited Crate (components.physics)"},
	{Touch{Nodes: []NodeTouch{{ID: lampID, Props: props("components.light"), Name: "Street Lamp"}}},
		"edited Street Lamp (components.light)"},
	{Touch{Nodes: []NodeTouch{{ID: fenceID, Deleted: true, Props: props(), Name: "Fence"}}}, "deleted Fence"},
	{Touch{Nodes: []NodeTouch{{ID: crateID, Props: props("name"), Name: "Crate XL", OldName: "Crate"}}},
		"renamed Crate → Crate XL"},
	{Touch{Nodes: []NodeTouch{{ID: crateID, Props: props("components.physics.shape.1", "name", "transform.t.1"),
		Name: "Crate XL A", OldName: "Crate XL"}}},
		"moved Crate XL A; renamed Crate XL → Crate XL A; edited Crate XL A (components.physics.shape.1)"},
	// B's concurrent change: its shape element sorts before A's (same
	// counter, greater actor), and the two name edits interleave.
	{Touch{Nodes: []NodeTouch{
		{ID: crateID, Props: props("components.physics.shape.1", "name", "transform.t.1", "transform.t.2"),
			Name: "Crate XL B A", OldName: "Crate XL A"},
		{ID: benchID, Created: true, Props: props(), Name: "Bench"},
	}}, "added Bench; moved Crate XL B A; renamed Crate XL A → Crate XL B A; edited Crate XL B A (components.physics.shape.1)"},
	{Touch{Nodes: []NodeTouch{{ID: crateID, Props: props("components.physics.shape.2", "name"),
		Name: "Crate", OldName: "Crate XL B A"}}},
		"renamed Crate XL B A → Crate; edited Crate (components.physics.shape.2)"},
}

func TestTrackerJS(t *testing.T) {
	h, cs := loadJS(t)
	if len(cs) != len(jsWant) {
		t.Fatalf("%d JS changes, want %d", len(cs), len(jsWant))
	}
	tr := NewTracker()
	for i, c := range cs {
		got, err := tr.Apply(c)
		must(t, err)
		if !reflect.DeepEqual(got, jsWant[i].touch) {
			t.Errorf("change %d %q:\n got %s\nwant %s", i, c.Message, js(got), js(jsWant[i].touch))
		}
		if s := Summary(got); s != jsWant[i].summary {
			t.Errorf("change %d %q summary:\n got %q\nwant %q", i, c.Message, s, jsWant[i].summary)
		}
		for _, n := range got.Nodes {
			if want, ok := h.Changes[i].Names[n.ID]; ok && n.Name != want {
				t.Errorf("change %d: node %s name %q, JS %q", i, n.ID, n.Name, want)
			}
		}
	}
	checkJSBlame(t, tr)
}

func checkJSBlame(t *testing.T, tr *Tracker) {
	want := map[string]int{
		"name": 13, "parent": 1, "order": 1, "kind": 1, "asset": 1, "components": 1,
		"transform": 1, "transform.t": 1, "transform.r": 1, "transform.s": 1,
		"transform.t.0": 3, "transform.t.1": 12, "transform.t.2": 12,
		"transform.r.0": 1, "transform.r.1": 1, "transform.r.2": 1, "transform.r.3": 1,
		"transform.s.0": 1, "transform.s.1": 1, "transform.s.2": 1,
		"components.physics": 7, "components.physics.mass": 7, "components.physics.shape": 7,
		"components.physics.shape.0": 7, "components.physics.shape.1": 12, "components.physics.shape.2": 13,
	}
	if got := tr.LastSet(crateID); !reflect.DeepEqual(got, want) {
		t.Errorf("LastSet(crate):\n got %v\nwant %v", got, want)
	}
	lamp := tr.LastSet(lampID)
	if lamp["name"] != 4 || lamp["components.light"] != 8 {
		t.Errorf("LastSet(lamp) = %v", lamp)
	}
	if _, ok := lamp["components.light.intensity"]; ok {
		t.Errorf("LastSet(lamp) keeps a property of the removed light component: %v", lamp)
	}
}

// TestTrackerJSCausalOrders replays the JS history in other causal orders
// (A's and B's concurrent changes either way round) and checks that every
// node ends with the name JS shows.
func TestTrackerJSCausalOrders(t *testing.T) {
	h, cs := loadJS(t)
	final := h.Changes[len(h.Changes)-1].Names
	rng := rand.New(rand.NewPCG(3, 5))
	for k := range 6 {
		tr := NewTracker()
		applyAll(t, tr, topoShuffle(cs, rng))
		for id, want := range final {
			if got := tr.name(tr.nodeIdx[id]); got != want {
				t.Errorf("order %d: node %s name %q, JS %q", k, id, got, want)
			}
		}
		if n := trackedLen(tr, crateID, "components.physics.shape"); n != 5 {
			t.Errorf("order %d: shape length %d, JS 5", k, n)
		}
	}
}

// TestJSGoldenUpToDate reruns js-history.mjs and checks it still writes
// the committed js-history.json. It needs node and the repository's
// node_modules (npm install) and fails without them; only -short skips it.
func TestJSGoldenUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is required (make deps installs the test dependencies)")
	}
	if _, err := os.Stat("../../node_modules/@automerge/automerge/package.json"); err != nil {
		t.Fatal("no node_modules/@automerge/automerge: run make deps (npm install at the repository root)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := exec.CommandContext(ctx, node, "testdata/js-history.mjs").Output()
	must(t, err)
	want, err := os.ReadFile("testdata/js-history.json")
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Error("testdata/js-history.json is stale: regenerate it with " +
			"node crdt/history/testdata/js-history.mjs > crdt/history/testdata/js-history.json")
	}
}
