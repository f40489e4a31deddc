package history

import (
	"errors"
	"maps"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"atelier/crdt/format"
	"atelier/scene"

	"github.com/automerge/automerge-go"
)

// goStep is one change of the automerge-go scenario: the edit, then what
// the tracker must report for it.
type goStep struct {
	name    string
	edit    func(t testing.TB, d *automerge.Doc)
	want    Touch
	summary string
}

func set(path ...any) func(v any) func(testing.TB, *automerge.Doc) {
	return func(v any) func(testing.TB, *automerge.Doc) {
		return func(t testing.TB, d *automerge.Doc) {
			t.Helper()
			must(t, d.Path(path...).Set(v))
		}
	}
}

func del(path ...any) func(testing.TB, *automerge.Doc) {
	return func(t testing.TB, d *automerge.Doc) {
		t.Helper()
		must(t, d.Path(path...).Delete())
	}
}

func edits(fs ...func(testing.TB, *automerge.Doc)) func(testing.TB, *automerge.Doc) {
	return func(t testing.TB, d *automerge.Doc) {
		for _, f := range fs {
			f(t, d)
		}
	}
}

func node(id, name string, kind string, comps map[string]map[string]any) func(testing.TB, *automerge.Doc) {
	return func(t testing.TB, d *automerge.Doc) {
		addNode(t, d, scene.Node{ID: scene.NodeID(id), Name: name, Kind: kind, Order: "a0", Components: comps})
	}
}

func props(p ...string) []string {
	if p == nil {
		return []string{}
	}
	return p
}

var goScenario = []goStep{
	{
		name: "add three nodes",
		edit: edits(
			node(crateID, "Crate", scene.KindMesh, nil),
			node(barrelID, "Barrel", scene.KindMesh, nil),
			node(lampID, "Lamp", scene.KindLight, map[string]map[string]any{"light": {"intensity": 1.0, "color": "warm"}}),
		),
		want: Touch{Nodes: []NodeTouch{
			{ID: crateID, Created: true, Props: props(), Name: "Crate"},
			{ID: barrelID, Created: true, Props: props(), Name: "Barrel"},
			{ID: lampID, Created: true, Props: props(), Name: "Lamp"},
		}},
		summary: "added Crate, Barrel, Lamp",
	},
	{
		name:    "add fence",
		edit:    node(fenceID, "Fence", scene.KindMesh, nil),
		want:    Touch{Nodes: []NodeTouch{{ID: fenceID, Created: true, Props: props(), Name: "Fence"}}},
		summary: "added Fence",
	},
	{
		name: "move crate and barrel",
		edit: edits(
			set("nodes", crateID, "transform", "t", 0)(5.0),
			set("nodes", barrelID, "transform", "t", 2)(-1.5),
		),
		want: Touch{Nodes: []NodeTouch{
			{ID: crateID, Props: props("transform.t.0"), Name: "Crate"},
			{ID: barrelID, Props: props("transform.t.2"), Name: "Barrel"},
		}},
		summary: "moved Crate, Barrel",
	},
	{
		name:    "rename lamp",
		edit:    set("nodes", lampID, "name")("Street Lamp"),
		want:    Touch{Nodes: []NodeTouch{{ID: lampID, Props: props("name"), Name: "Street Lamp", OldName: "Lamp"}}},
		summary: "renamed Lamp → Street Lamp",
	},
	{
		name:    "reparent barrel under crate",
		edit:    edits(set("nodes", barrelID, "parent")(crateID), set("nodes", barrelID, "order")("a1")),
		want:    Touch{Nodes: []NodeTouch{{ID: barrelID, Props: props("order", "parent"), Name: "Barrel"}}},
		summary: "moved Barrel",
	},
	{
		name:    "edit light intensity",
		edit:    set("nodes", lampID, "components", "light", "intensity")(2.5),
		want:    Touch{Nodes: []NodeTouch{{ID: lampID, Props: props("components.light.intensity"), Name: "Street Lamp"}}},
		summary: "edited Street Lamp (components.light.intensity)",
	},
	{
		name:    "add physics component",
		edit:    set("nodes", crateID, "components", "physics")(map[string]any{"mass": 10.0, "static": false}),
		want:    Touch{Nodes: []NodeTouch{{ID: crateID, Props: props("components.physics"), Name: "Crate"}}},
		summary: "edited Crate (components.physics)",
	},
	{
		name:    "remove light component",
		edit:    del("nodes", lampID, "components", "light"),
		want:    Touch{Nodes: []NodeTouch{{ID: lampID, Props: props("components.light"), Name: "Street Lamp"}}},
		summary: "edited Street Lamp (components.light)",
	},
	{
		name:    "delete fence",
		edit:    del("nodes", fenceID),
		want:    Touch{Nodes: []NodeTouch{{ID: fenceID, Deleted: true, Props: props(), Name: "Fence"}}},
		summary: "deleted Fence",
	},
	{
		name:    "rotate crate",
		edit:    set("nodes", crateID, "transform", "r", 3)(0.5),
		want:    Touch{Nodes: []NodeTouch{{ID: crateID, Props: props("transform.r.3"), Name: "Crate"}}},
		summary: "moved Crate",
	},
	{
		name: "everything at once",
		edit: edits(
			node(crate2ID, "Crate 2", scene.KindMesh, nil),
			set("nodes", crateID, "transform", "s", 1)(2.0),
			set("nodes", barrelID, "name")("Big Barrel"),
			set("nodes", barrelID, "kind")(scene.KindGroup),
			set("nodes", barrelID, "asset")("barrel.glb"),
			set("nodes", lampID, "schema")("x"),
			del("nodes", lampID, "schema"),
		),
		want: Touch{Nodes: []NodeTouch{
			{ID: crateID, Props: props("transform.s.1"), Name: "Crate"},
			{ID: barrelID, Props: props("asset", "kind", "name"), Name: "Big Barrel", OldName: "Barrel"},
			{ID: lampID, Props: props("schema"), Name: "Street Lamp"},
			{ID: crate2ID, Created: true, Props: props(), Name: "Crate 2"},
		}},
		summary: "added Crate 2; moved Crate; renamed Barrel → Big Barrel; edited Big Barrel (asset, kind), Street Lamp (schema)",
	},
	{
		name:    "root field",
		edit:    set("title")("My layer"),
		want:    Touch{Nodes: []NodeTouch{}, Other: []string{"title"}},
		summary: "changed title",
	},
}

func TestTrackerAutomergeGo(t *testing.T) {
	d := newLayer(t, actorA)
	for _, s := range goScenario {
		s.edit(t, d)
		commit(t, d, s.name)
	}
	cs := parsed(t, d)
	if len(cs) != len(goScenario)+1 {
		t.Fatalf("%d changes, want %d", len(cs), len(goScenario)+1)
	}
	tr := NewTracker()
	touches := applyAll(t, tr, cs)
	create := Touch{Nodes: []NodeTouch{}, Other: []string{"nodes", "schema"}}
	if !reflect.DeepEqual(touches[0], create) {
		t.Errorf("layer creation: got %s, want %s", js(touches[0]), js(create))
	}
	for i, s := range goScenario {
		t.Run(s.name, func(t *testing.T) {
			got := touches[i+1]
			if !reflect.DeepEqual(got, s.want) {
				t.Errorf("touch:\n got %s\nwant %s", js(got), js(s.want))
			}
			if sum := Summary(got); sum != s.summary {
				t.Errorf("summary:\n got %q\nwant %q", sum, s.summary)
			}
		})
	}
	checkGoBlame(t, tr)
}

// checkGoBlame checks LastSet after goScenario (change indexes count the
// layer creation as 0, so step i is change i+1).
func checkGoBlame(t *testing.T, tr *Tracker) {
	created := func(extra map[string]int, c int) map[string]int {
		m := map[string]int{
			"name": c, "kind": c, "parent": c, "order": c, "asset": c,
			"transform": c, "transform.t": c, "transform.r": c, "transform.s": c,
			"components": c,
		}
		for _, l := range []struct {
			k string
			n int
		}{{"transform.t", 3}, {"transform.r", 4}, {"transform.s", 3}} {
			for i := range l.n {
				m[l.k+"."+string(rune('0'+i))] = c
			}
		}
		maps.Copy(m, extra)
		return m
	}
	tests := []struct {
		id   string
		want map[string]int
	}{
		{crateID, created(map[string]int{
			"transform.t.0": 3, "transform.r.3": 10, "transform.s.1": 11,
			"components.physics": 7, "components.physics.mass": 7, "components.physics.static": 7,
		}, 1)},
		{barrelID, created(map[string]int{
			"transform.t.2": 3, "parent": 5, "order": 5, "name": 11, "kind": 11, "asset": 11,
		}, 1)},
		{lampID, created(map[string]int{"name": 4, "components.light": 8, "schema": 11}, 1)},
		{fenceID, created(nil, 2)},
		{crate2ID, created(nil, 11)},
	}
	for _, tc := range tests {
		if got := tr.LastSet(tc.id); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("LastSet(%s):\n got %v\nwant %v", tc.id, got, tc.want)
		}
	}
	if got := tr.LastSet("no-such-node"); got != nil {
		t.Errorf("LastSet(unknown) = %v, want nil", got)
	}
}

func TestApplyErrors(t *testing.T) {
	d := newLayer(t, actorA)
	node(crateID, "Crate", "", nil)(t, d)
	commit(t, d, "add")
	set("nodes", crateID, "name")("Box")(t, d)
	commit(t, d, "rename")
	cs := parsed(t, d) // layer creation (random actor), then actor A's seq 1 and 2
	tr := NewTracker()
	tests := []struct {
		name string
		c    *format.Change
		want error
	}{
		{"nil", nil, ErrBadChange},
		{"gap", cs[2], ErrOutOfOrder},
		{"create", cs[0], nil},
		{"add", cs[1], nil},
		{"duplicate", cs[1], ErrOutOfOrder},
		{"rename", cs[2], nil},
	}
	for _, tc := range tests {
		_, err := tr.Apply(tc.c)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	if tr.Len() != 3 {
		t.Errorf("Len = %d, want 3", tr.Len())
	}
	want := map[string]int{"name": 2}
	if got := tr.LastSet(crateID); got["name"] != want["name"] {
		t.Errorf("LastSet name = %d, want 2 (failed applies take no index)", got["name"])
	}
}

// TestPopulate runs the tracker over scene.Populate's synthetic history
// (batches of ten nodes, then single-element moves) and checks every
// change's touch and the blame of every node against what Populate did.
func TestPopulate(t *testing.T) {
	d := newLayer(t, actorA)
	ids, err := scene.Populate(d, 25, 60, rand.New(rand.NewPCG(1, 2)))
	must(t, err)
	cs := parsed(t, d)
	tr := NewTracker()
	touches := applyAll(t, tr, cs)
	wantBlame := map[string]map[string]int{}
	for i, tc := range touches[1:4] { // three batches: 10, 10 and 5 nodes
		if n := len(tc.Nodes); n != min(10, 25-10*i) || !tc.Nodes[0].Created {
			t.Fatalf("batch %d: %s", i, js(tc))
		}
		for _, n := range tc.Nodes {
			wantBlame[n.ID] = map[string]int{}
		}
		if s := Summary(tc); !strings.HasPrefix(s, "added Node ") || !strings.HasSuffix(s, " more") {
			t.Errorf("batch %d summary %q", i, s)
		}
	}
	for i, tc := range touches[4:] {
		if len(tc.Nodes) != 1 || len(tc.Nodes[0].Props) != 1 || !strings.HasPrefix(tc.Nodes[0].Props[0], "transform.t.") {
			t.Fatalf("move %d: %s", i, js(tc))
		}
		n := tc.Nodes[0]
		wantBlame[n.ID][n.Props[0]] = 4 + i
		if s := Summary(tc); s != "moved "+n.Name {
			t.Errorf("move %d summary %q", i, s)
		}
	}
	for _, id := range ids {
		got := tr.LastSet(string(id))
		for p, c := range wantBlame[string(id)] {
			if got[p] != c {
				t.Errorf("node %s: LastSet[%s] = %d, want %d", id, p, got[p], c)
			}
		}
	}
}
