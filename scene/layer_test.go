package scene

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/automerge/automerge-go"
)

const (
	idA = NodeID("00000000-0000-4000-8000-00000000000a")
	idB = NodeID("00000000-0000-4000-8000-00000000000b")
	idC = NodeID("00000000-0000-4000-8000-00000000000c")
)

func newLayer(t testing.TB) *automerge.Doc {
	t.Helper()
	doc, err := NewLayerDoc()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func mustAdd(t testing.TB, doc *automerge.Doc, nodes ...Node) {
	t.Helper()
	for _, n := range nodes {
		if err := AddNode(doc, n); err != nil {
			t.Fatalf("AddNode(%s): %v", n.ID, err)
		}
	}
	if _, err := doc.Commit("test: add nodes"); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t testing.TB, doc *automerge.Doc) *LayerState {
	t.Helper()
	s, err := ReadLayer(doc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewLayerDoc(t *testing.T) {
	doc := newLayer(t)
	s := mustRead(t, doc)
	if s.Schema != LayerSchema || len(s.Nodes) != 0 || s.Warnings != nil {
		t.Fatalf("new layer reads as %+v", s)
	}
	changes, err := doc.Changes()
	if err != nil || len(changes) != 1 || changes[0].Message() != LayerCreateMessage {
		t.Fatalf("changes %v, err %v", changes, err)
	}
}

func TestAddNodeRoundTrip(t *testing.T) {
	doc := newLayer(t)
	heads := doc.Heads()
	n := Node{
		ID: idA, Name: "Lamp", Kind: KindLight, Parent: idB, Order: "a0", Asset: "asset://lamp.glb",
		Transform: Transform{T: Vec3{1, 2.5, -3}, R: Quat{0, 0.7071, 0, 0.7071}, S: Vec3{1, 1, 2}},
		Components: map[string]map[string]any{
			"light": {"intensity": 3, "color": "#ffeecc", "on": true, "falloff": 0.25,
				"curve": []any{1, 2.5}, "meta": map[string]any{"by": "x", "n": nil}, "big": uint64(math.MaxUint64)},
			"tags": {},
		},
	}
	mustAdd(t, doc, n)
	got := mustRead(t, doc).Nodes[idA]
	want := n
	want.Components = map[string]map[string]any{
		"light": {"intensity": int64(3), "color": "#ffeecc", "on": true, "falloff": 0.25,
			"curve": []any{int64(1), 2.5}, "meta": map[string]any{"by": "x", "n": nil}, "big": uint64(math.MaxUint64)},
		"tags": {},
	}
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("read back\n got %+v\nwant %+v", got, &want)
	}
	// All containers were created by the one change that created the node.
	changes, err := doc.Changes(heads...)
	if err != nil || len(changes) != 1 {
		t.Fatalf("AddNode+Commit made %d changes (%v), want 1", len(changes), err)
	}
}

func TestAddNodeDefaults(t *testing.T) {
	doc := newLayer(t)
	mustAdd(t, doc, Node{ID: idA})
	got := mustRead(t, doc).Nodes[idA]
	want := defaultNode(idA)
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestAddNodeRejects(t *testing.T) {
	manifest, err := NewManifestDoc("w", nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		doc     *automerge.Doc
		node    Node
		wantErr error
	}{
		{"nil doc", nil, Node{ID: idA}, ErrNotLayer},
		{"manifest doc", manifest, Node{ID: idA}, ErrNotLayer},
		{"empty doc", automerge.New(), Node{ID: idA}, ErrNotLayer},
		{"existing id", nil, Node{ID: idC}, ErrNodeExists},
		{"empty id", nil, Node{}, ErrInvalidNode},
		{"uppercase id", nil, Node{ID: "00000000-0000-4000-8000-00000000000A"}, ErrInvalidNode},
		{"self parent", nil, Node{ID: idA, Parent: idA}, ErrInvalidNode},
		{"malformed parent", nil, Node{ID: idA, Parent: "b"}, ErrInvalidNode},
		{"NaN", nil, Node{ID: idA, Transform: Transform{T: Vec3{math.NaN()}}}, ErrInvalidNode},
		{"invalid UTF-8", nil, Node{ID: idA, Name: "\xff"}, ErrInvalidNode},
		{"infinite component", nil, Node{ID: idA, Components: map[string]map[string]any{"c": {"x": math.Inf(1)}}}, ErrInvalidNode},
		{"unsupported component value", nil, Node{ID: idA, Components: map[string]map[string]any{"c": {"x": struct{}{}}}}, ErrInvalidNode},
		{"nested unsupported value", nil, Node{ID: idA, Components: map[string]map[string]any{"c": {"x": []any{map[string]any{"y": []int{1}}}}}}, ErrInvalidNode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.doc
			if doc == nil && tt.name != "nil doc" {
				doc = newLayer(t)
				mustAdd(t, doc, Node{ID: idC})
			}
			err := AddNode(doc, tt.node)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if doc != nil {
				if _, err := doc.Commit("nothing"); err == nil {
					t.Fatalf("rejected AddNode left pending writes")
				}
			}
		})
	}
}

// jsStyleLayer builds a layer the way a JS peer writes one (Text objects
// for strings, ints and counters for numbers), plus a node with mistyped
// fields (idB) and a node that is not a map (idC).
func jsStyleLayer(t *testing.T) *automerge.Doc {
	t.Helper()
	doc := automerge.New()
	root := doc.RootMap()
	must(t, root.Set("schema", automerge.NewText(LayerSchema)))
	nodes := automerge.NewMap()
	must(t, root.Set("nodes", nodes))
	js := automerge.NewMap()
	must(t, nodes.Set(string(idA), js))
	for k, v := range map[string]string{"name": "Lamp", "kind": KindLight, "parent": "", "order": "a1", "asset": "asset://l"} {
		must(t, js.Set(k, automerge.NewText(v)))
	}
	tm := automerge.NewMap()
	must(t, js.Set("transform", tm))
	must(t, tm.Set("t", []any{int64(1), uint64(2), 3.5}))
	must(t, tm.Set("r", []any{int64(0), int64(0), int64(0), int64(1)}))
	must(t, tm.Set("s", []any{automerge.NewCounter(2), int64(2), int64(2)}))
	cm := automerge.NewMap()
	must(t, js.Set("components", cm))
	must(t, cm.Set("light", map[string]any{"color": automerge.NewText("#fff"), "intensity": int64(4)}))
	bad := automerge.NewMap()
	must(t, nodes.Set(string(idB), bad))
	must(t, bad.Set("name", int64(7)))
	must(t, bad.Set("parent", string(idA)))
	must(t, bad.Set("transform", []any{1.0}))
	must(t, nodes.Set(string(idC), "not a node"))
	if _, err := doc.Commit("js-style"); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestReadLayerLenientValues checks ReadLayer returns the right values and
// defaults for a layer written the way a JS peer writes one, with malformed
// nodes mixed in.
func TestReadLayerLenientValues(t *testing.T) {
	doc := jsStyleLayer(t)
	s := mustRead(t, doc)
	tests := []struct {
		name  string
		got   any
		want  any
		warns int
	}{
		{"schema from Text", s.Schema, LayerSchema, len(s.Warnings)},
		{"strings from Text", [5]string{s.Nodes[idA].Name, s.Nodes[idA].Kind, string(s.Nodes[idA].Parent), s.Nodes[idA].Order, s.Nodes[idA].Asset}, [5]string{"Lamp", KindLight, "", "a1", "asset://l"}, 0},
		{"numbers from ints, uints, counters", s.Nodes[idA].Transform, Transform{T: Vec3{1, 2, 3.5}, R: Quat{0, 0, 0, 1}, S: Vec3{2, 2, 2}}, 0},
		{"component Text", s.Nodes[idA].Components["light"], map[string]any{"color": "#fff", "intensity": int64(4)}, len(s.Nodes[idA].Warnings)},
		{"mistyped fields", [2]any{s.Nodes[idB].Name, s.Nodes[idB].Transform}, [2]any{"", IdentityTransform()}, 0},
		{"non-map node", s.Nodes[idC].Kind, KindEmpty, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) || tt.warns != 0 {
				t.Errorf("got %#v (%d warnings), want %#v", tt.got, tt.warns, tt.want)
			}
		})
	}
	if w := s.Nodes[idB].Warnings; len(w) != 6 { // name, kind, order, asset, transform, components
		t.Errorf("bad node warnings = %q", w)
	}
	if w := s.Nodes[idC].Warnings; len(w) != 1 {
		t.Errorf("non-map node warnings = %q", w)
	}
	tree := Resolve(s)
	checkTree(t, s, tree)
	if tree.Nodes[idB].ResolvedParent != idA {
		t.Errorf("malformed node not placed under its declared parent")
	}
}

func TestReadLayerNotALayer(t *testing.T) {
	manifest, err := NewManifestDoc("w", nil)
	if err != nil {
		t.Fatal(err)
	}
	future := automerge.New()
	must(t, future.RootMap().Set("schema", "atelier.layer/2"))
	must(t, future.RootMap().Set("nodes", map[string]any{}))
	tests := []struct {
		name    string
		doc     *automerge.Doc
		wantErr error
	}{
		{"nil", nil, ErrNotLayer},
		{"empty document", automerge.New(), ErrNotLayer},
		{"manifest", manifest, ErrNotLayer},
		{"future schema", future, ErrUnsupportedSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadLayer(tt.doc); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// fork returns an independent replica of doc with its own actor.
func fork(t testing.TB, doc *automerge.Doc) *automerge.Doc {
	t.Helper()
	f, err := doc.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if f.ActorID() == doc.ActorID() {
		t.Fatal("fork shares the actor id")
	}
	return f
}

func setField(t testing.TB, doc *automerge.Doc, id NodeID, key string, v any) {
	t.Helper()
	must(t, doc.Path("nodes", string(id), key).Set(v))
	if _, err := doc.Commit(fmt.Sprintf("set %s.%s", id, key)); err != nil {
		t.Fatal(err)
	}
}

func mergeBothWays(t testing.TB, a, b *automerge.Doc) {
	t.Helper()
	if _, err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Merge(a); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentReparentCycle: one replica moves A under B while another
// moves B under A. After merging both ways, both replicas must show the
// same valid tree, with the cycle broken at the smaller id (A).
func TestConcurrentReparentCycle(t *testing.T) {
	base := newLayer(t)
	mustAdd(t, base, Node{ID: idA, Order: "a0"}, Node{ID: idB, Order: "a1"}, Node{ID: idC, Parent: idB})
	peer1, peer2 := fork(t, base), fork(t, base)
	setField(t, peer1, idA, "parent", string(idB))
	setField(t, peer2, idB, "parent", string(idA))
	mergeBothWays(t, peer1, peer2)

	s1, s2 := mustRead(t, peer1), mustRead(t, peer2)
	if !reflect.DeepEqual(s1, s2) {
		t.Fatalf("replicas read different states")
	}
	t1, t2 := Resolve(s1), Resolve(s2)
	checkTree(t, s1, t1)
	if treeJSON(t, t1) != treeJSON(t, t2) {
		t.Fatalf("replicas resolve different trees")
	}
	a := t1.Nodes[idA]
	if !a.CycleBroken || a.ResolvedParent != "" || a.DeclaredParent != idB {
		t.Errorf("A = %+v, want cycle broken at A", a)
	}
	if t1.Nodes[idB].ResolvedParent != idA || t1.Nodes[idC].ResolvedParent != idB {
		t.Errorf("B under %q, C under %q", t1.Nodes[idB].ResolvedParent, t1.Nodes[idC].ResolvedParent)
	}
}

// TestConcurrentTransformElementEdits: x and y of the same vector edited on
// two replicas both survive, because AddNode created the list once and
// each replica sets one element.
func TestConcurrentTransformElementEdits(t *testing.T) {
	base := newLayer(t)
	mustAdd(t, base, Node{ID: idA})
	peer1, peer2 := fork(t, base), fork(t, base)
	setTransformElement(t, peer1, "t", 0, 5.0)
	setTransformElement(t, peer2, "t", 1, int64(7)) // a JS peer writes an int
	mergeBothWays(t, peer1, peer2)
	for _, doc := range []*automerge.Doc{peer1, peer2} {
		if got := mustRead(t, doc).Nodes[idA].Transform.T; got != (Vec3{5, 7, 0}) {
			t.Errorf("t = %v, want [5 7 0]", got)
		}
	}
}

func setTransformElement(t testing.TB, doc *automerge.Doc, key string, i int, v any) {
	t.Helper()
	must(t, doc.Path("nodes", string(idA), "transform", key).List().Set(i, v))
	if _, err := doc.Commit("move"); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentContainerCreationLosesEdits documents why every container
// is created with its node: when two replicas each create the same missing
// map, automerge keeps one map and the other replica's edits vanish.
func TestConcurrentContainerCreationLosesEdits(t *testing.T) {
	base := newLayer(t)
	bare := automerge.NewMap() // a node written without its components map
	must(t, base.Path("nodes").Map().Set(string(idA), bare))
	must(t, bare.Set("name", "bare"))
	if _, err := base.Commit("bare node"); err != nil {
		t.Fatal(err)
	}
	peer1, peer2 := fork(t, base), fork(t, base)
	setField(t, peer1, idA, "components", map[string]any{"light": map[string]any{}})
	setField(t, peer2, idA, "components", map[string]any{"audio": map[string]any{}})
	mergeBothWays(t, peer1, peer2)
	if got := mustRead(t, peer1).Nodes[idA].Components; len(got) != 1 {
		t.Fatalf("components = %v; expected automerge to keep only one replica's map", got)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkReadLayer(b *testing.B) {
	doc := newLayer(b)
	for i := range 1000 {
		n := Node{ID: NodeID(fmt.Sprintf("00000000-0000-4000-8000-%012d", i)), Name: "node", Order: "a0",
			Components: map[string]map[string]any{"mesh": {"lod": 2}}}
		must(b, AddNode(doc, n))
	}
	if _, err := doc.Commit("bench"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadLayer(doc); err != nil {
			b.Fatal(err)
		}
	}
}
