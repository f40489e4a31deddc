package scene

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/automerge/automerge-go"
)

// jsOpsPath is a layer document written by the TypeScript scene library
// (web/src/scene/jsops.test.ts, one change per operation), so Go checks
// that it reads, resolves and parses what the browser editor writes.
// Regenerate it with: UPDATE_VECTORS=1 npx vitest run web/src/scene/jsops
var jsOpsPath = filepath.Join("testdata", "js-ops.automerge")

func loadJSOps(t *testing.T) *automerge.Doc {
	t.Helper()
	raw, err := os.ReadFile(jsOpsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := automerge.Load(raw)
	if err != nil {
		t.Fatalf("load %s: %v", jsOpsPath, err)
	}
	return doc
}

// TestJSOpsTree reads the JS-written layer without a warning and resolves
// it to the tree the TypeScript test expects.
func TestJSOpsTree(t *testing.T) {
	s := mustRead(t, loadJSOps(t))
	if len(s.Warnings) > 0 {
		t.Errorf("layer warnings: %q", s.Warnings)
	}
	for id, n := range s.Nodes {
		if len(n.Warnings) > 0 {
			t.Errorf("node %s warnings: %q", id, n.Warnings)
		}
	}
	tree := Resolve(s)
	checkTree(t, s, tree)
	for parent, want := range map[NodeID][]NodeID{
		"":      {nid(1), nid(20)},
		nid(1):  {nid(2), nid(3)},
		nid(3):  {nid(5), nid(7), nid(6)},
		nid(20): {nid(11), nid(4)},
		nid(11): {nid(13)},
		nid(2):  {},
		nid(13): {},
		nid(4):  {},
		nid(5):  {},
	} {
		if got := kids(tree, parent); !slices.Equal(got, want) {
			t.Errorf("children of %q = %q, want %q", parent, got, want)
		}
	}
	if len(tree.Nodes) != 10 {
		t.Errorf("%d nodes, want 10", len(tree.Nodes))
	}
	crate, lamp, barrel := tree.Nodes[nid(1)], tree.Nodes[nid(3)], tree.Nodes[nid(2)]
	if want := (Transform{T: Vec3{5.5, 2, 3}, R: Quat{0, 0, 0, 1}, S: Vec3{1, 2, 1}}); crate.Transform != want {
		t.Errorf("crate transform = %v, want %v", crate.Transform, want)
	}
	if crate.Name != "Crate" || crate.Kind != KindMesh || crate.Asset != "asset://crate.glb" || len(crate.Components) != 0 {
		t.Errorf("crate = %+v", crate.Node)
	}
	if barrel.Name != "Barrel ✓" || barrel.Kind != KindMesh || lamp.Kind != KindLight {
		t.Errorf("barrel = %+v, lamp = %+v", barrel.Node, lamp.Node)
	}
	wantLight := map[string]any{"color": "#ffcc00", "intensity": 4.25, "tags": []any{"a", "b"}}
	if got := lamp.Components["light"]; !reflect.DeepEqual(got, wantLight) {
		t.Errorf("lamp light = %#v, want %#v", got, wantLight)
	}
	if copyOf := tree.Nodes[nid(11)]; copyOf.Name != "Crate" || copyOf.Transform != crate.Transform {
		t.Errorf("crate copy = %+v", copyOf.Node)
	}
	if g := tree.Nodes[nid(20)]; g.Name != "Props" || g.Kind != KindEmpty || g.Transform != IdentityTransform() {
		t.Errorf("group = %+v", g.Node)
	}
}

// TestJSOpsWritingRules checks the JS writer follows the writing rules:
// scalar strings (not Text), transform elements as floats, every container
// present.
func TestJSOpsWritingRules(t *testing.T) {
	doc := loadJSOps(t)
	s := mustRead(t, doc)
	for id := range s.Nodes {
		for _, f := range []string{"name", "kind", "parent", "order", "asset"} {
			wantKind(t, doc, automerge.KindStr, "nodes", string(id), f)
		}
		for v, n := range transformLen {
			for i := range n {
				wantKind(t, doc, automerge.KindFloat64, "nodes", string(id), "transform", v, i)
			}
		}
		wantKind(t, doc, automerge.KindMap, "nodes", string(id), "components")
	}
	wantKind(t, doc, automerge.KindStr, "nodes", string(nid(3)), "components", "light", "color")
	wantKind(t, doc, automerge.KindStr, "nodes", string(nid(3)), "components", "light", "tags", 0)
	wantKind(t, doc, automerge.KindFloat64, "nodes", string(nid(3)), "components", "light", "intensity")
}

func wantKind(t *testing.T, doc *automerge.Doc, want automerge.Kind, path ...any) {
	t.Helper()
	v, err := doc.Path(path...).Get()
	if err != nil {
		t.Fatalf("%v: %v", path, err)
	}
	if v.Kind() != want {
		t.Errorf("%v is %v, want %v", path, v.Kind(), want)
	}
}

// TestJSOpsMessages parses every change's message with the Go parser and
// checks that Go writes the same bytes for it.
func TestJSOpsMessages(t *testing.T) {
	changes, err := loadJSOps(t).Changes()
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) == 0 || changes[0].Message() != LayerCreateMessage {
		t.Fatalf("first change is not the layer's creation")
	}
	var ops []string
	for _, c := range changes[1:] {
		m, ok := ParseOpMessage(c.Message())
		if !ok {
			t.Fatalf("not an op message: %q", c.Message())
		}
		if got := m.String(); got != c.Message() {
			t.Errorf("Go writes\n%s\nfor the JS message\n%s", got, c.Message())
		}
		ops = append(ops, m.Op)
	}
	want := []string{
		OpCreate, OpCreate, OpCreate, OpCreate, OpSetTransform, OpSetTransform, OpSetProperty, OpSetProperty,
		OpReparent, OpReorder, OpAddComponent, OpSetComponentProperty, OpRemoveComponent, OpDuplicate, OpDelete,
		OpCreate, OpReparent, OpReparent, OpCreate, OpCreate, OpCreate, OpSetProperty,
	}
	if !slices.Equal(ops, want) {
		t.Errorf("ops = %q\nwant %q", ops, want)
	}
	last, _ := ParseOpMessage(changes[len(changes)-1].Message())
	if last.Op != OpSetProperty || changes[len(changes)-1].Save() == nil {
		t.Errorf("last change = %+v", last)
	}
	rekeyed, _ := ParseOpMessage(changes[len(changes)-2].Message())
	if !slices.Equal(rekeyed.Rekeyed, []NodeID{nid(6)}) {
		t.Errorf("rekeyed = %q, want [%s]", rekeyed.Rekeyed, nid(6))
	}
	author, _ := ParseOpMessage(changes[7].Message())
	if author.Author != "zoë \u2028 <z@x>" {
		t.Errorf("author = %q", author.Author)
	}
}

// TestJSOpsGoEdits applies Go operations to the JS-written layer: its
// containers are where the Go operations edit in place.
func TestJSOpsGoEdits(t *testing.T) {
	doc := loadJSOps(t)
	if _, err := SetTransformElement(doc, nid(4), "r", 3, 0.5, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := SetComponentProperty(doc, nid(3), "light", "on", true, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Reorder(doc, nid(6), Position{Before: nid(5)}, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	tree := treeOf(t, doc)
	if got := tree.Nodes[nid(4)].Transform.R; got != (Quat{0, 0, 0, 0.5}) {
		t.Errorf("fence rotation = %v", got)
	}
	if got := kids(tree, nid(3)); !slices.Equal(got, []NodeID{nid(6), nid(5), nid(7)}) {
		t.Errorf("lamp children = %q", got)
	}
	if on := tree.Nodes[nid(3)].Components["light"]["on"]; on != true {
		t.Errorf("light.on = %v", on)
	}
}
