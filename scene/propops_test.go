package scene

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/automerge/automerge-go"
)

func TestSetProperty(t *testing.T) {
	doc := newLayer(t)
	mustAdd(t, doc, Node{ID: idA, Name: "old"})
	tests := []struct {
		prop  Property
		value string
		want  func(n *Node) string
		read  string
	}{
		{PropName, "Lamp", func(n *Node) string { return n.Name }, "Lamp"},
		{PropKind, KindLight, func(n *Node) string { return n.Kind }, KindLight},
		{PropKind, "", func(n *Node) string { return n.Kind }, KindEmpty},
		{PropAsset, "asset://lamp.glb", func(n *Node) string { return n.Asset }, "asset://lamp.glb"},
	}
	for _, tt := range tests {
		t.Run(string(tt.prop)+"="+tt.value, func(t *testing.T) {
			h, err := SetProperty(doc, idA, tt.prop, tt.value, OpOptions{})
			if err != nil {
				t.Fatal(err)
			}
			n := mustRead(t, doc).Nodes[idA]
			if got := tt.want(n); got != tt.read || n.Warnings != nil {
				t.Fatalf("read %q (warnings %v), want %q", got, n.Warnings, tt.read)
			}
			m := opMessage(t, doc, h)
			if m.Op != OpSetProperty || !slices.Equal(m.Props, []string{"/" + string(tt.prop)}) {
				t.Fatalf("message %+v", m)
			}
		})
	}
}

// TestSetPropertyReplacesText: a JS peer wrote name as a Text object; the
// operation replaces it with a scalar string.
func TestSetPropertyReplacesText(t *testing.T) {
	doc := jsStyleLayer(t)
	id := sortedKeys(mustRead(t, doc).Nodes)[0]
	if _, err := SetProperty(doc, id, PropName, "scalar", OpOptions{}); err != nil {
		t.Fatal(err)
	}
	v, err := doc.Path("nodes", string(id), "name").Get()
	if err != nil || v.Kind() != automerge.KindStr || v.Str() != "scalar" {
		t.Fatalf("name is %v (%v)", v, err)
	}
}

func TestPropertyOpErrors(t *testing.T) {
	doc := newLayer(t)
	mustAdd(t, doc, Node{ID: idA, Components: map[string]map[string]any{"light": {"on": true}}})
	bare := automerge.NewMap() // a node written without its containers
	must(t, doc.Path("nodes").Map().Set(string(idB), bare))
	must(t, bare.Set("name", "bare"))
	must(t, doc.Path("nodes").Map().Set(string(idC), "not a map"))
	if _, err := doc.Commit("foreign nodes"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"set parent", setProp(doc, idA, "parent", ""), ErrInvalidProperty},
		{"set order", setProp(doc, idA, "order", "a0"), ErrInvalidProperty},
		{"set bad utf8", setProp(doc, idA, PropName, "\xff"), ErrInvalidValue},
		{"set missing node", setProp(doc, nid(99), PropName, "x"), ErrNodeNotFound},
		{"set non-map node", setProp(doc, idC, PropName, "x"), ErrMalformedNode},
		{"transform bad vector", setTr(doc, idA, "q", 0, 1), ErrInvalidProperty},
		{"transform index", setTr(doc, idA, "t", 3, 1), ErrInvalidProperty},
		{"transform negative index", setTr(doc, idA, "r", -1, 1), ErrInvalidProperty},
		{"transform NaN", setTr(doc, idA, "s", 0, math.NaN()), ErrInvalidValue},
		{"transform missing", setTr(doc, idB, "t", 0, 1), ErrMalformedNode},
		{"transform missing node", setTr(doc, nid(99), "t", 0, 1), ErrNodeNotFound},
		{"add existing", addComp(doc, idA, "light", nil), ErrComponentExists},
		{"add unnamed", addComp(doc, idA, "", nil), ErrInvalidProperty},
		{"add bad value", addComp(doc, idA, "x", map[string]any{"v": struct{}{}}), ErrInvalidValue},
		{"add no components map", addComp(doc, idB, "x", nil), ErrMalformedNode},
		{"remove missing", rmComp(doc, idA, "audio"), ErrComponentNotFound},
		{"field of missing component", setField2(doc, idA, "audio", "v", 1), ErrComponentNotFound},
		{"field empty key", setField2(doc, idA, "light", "", 1), ErrInvalidProperty},
		{"field bad value", setField2(doc, idA, "light", "v", math.NaN()), ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := doc.Heads()
			if err := tt.op(); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			wantUnchanged(t, doc, before)
		})
	}
}

func setProp(doc *automerge.Doc, id NodeID, p Property, v string) func() error {
	return func() error { _, err := SetProperty(doc, id, p, v, OpOptions{}); return err }
}

func setTr(doc *automerge.Doc, id NodeID, vec string, i int, v float64) func() error {
	return func() error { _, err := SetTransformElement(doc, id, vec, i, v, OpOptions{}); return err }
}

func addComp(doc *automerge.Doc, id NodeID, c string, f map[string]any) func() error {
	return func() error { _, err := AddComponent(doc, id, c, f, OpOptions{}); return err }
}

func rmComp(doc *automerge.Doc, id NodeID, c string) func() error {
	return func() error { _, err := RemoveComponent(doc, id, c, OpOptions{}); return err }
}

func setField2(doc *automerge.Doc, id NodeID, c, k string, v any) func() error {
	return func() error { _, err := SetComponentProperty(doc, id, c, k, v, OpOptions{}); return err }
}

func TestSetTransformElement(t *testing.T) {
	doc := newLayer(t)
	mustAdd(t, doc, Node{ID: idA})
	h, err := SetTransformElement(doc, idA, "r", 3, 0.5, OpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, doc).Nodes[idA].Transform.R; got != (Quat{0, 0, 0, 0.5}) {
		t.Fatalf("r = %v", got)
	}
	if m := opMessage(t, doc, h); m.Op != OpSetTransform || !slices.Equal(m.Props, []string{"/transform/r/3"}) {
		t.Fatalf("message %+v", m)
	}
}

// TestConcurrentTransformOps: x and y set by two replicas through the API
// both survive the merge.
func TestConcurrentTransformOps(t *testing.T) {
	base := newLayer(t)
	mustAdd(t, base, Node{ID: idA})
	p1, p2 := fork(t, base), fork(t, base)
	if _, err := SetTransformElement(p1, idA, "t", 0, 5, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := SetTransformElement(p2, idA, "t", 1, 7, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	mergeBothWays(t, p1, p2)
	for _, d := range []*automerge.Doc{p1, p2} {
		if got := mustRead(t, d).Nodes[idA].Transform.T; got != (Vec3{5, 7, 0}) {
			t.Fatalf("t = %v", got)
		}
	}
}

func TestComponentOps(t *testing.T) {
	doc := newLayer(t)
	mustAdd(t, doc, Node{ID: idA})
	steps := []struct {
		op    func() (automerge.ChangeHash, error)
		kind  string
		props []string
		want  map[string]map[string]any
	}{
		{func() (automerge.ChangeHash, error) {
			return AddComponent(doc, idA, "light/main", map[string]any{"on": true, "lux": 3}, OpOptions{})
		}, OpAddComponent, []string{"/components/light~1main"},
			map[string]map[string]any{"light/main": {"on": true, "lux": int64(3)}}},
		{func() (automerge.ChangeHash, error) {
			return SetComponentProperty(doc, idA, "light/main", "lux", 4.5, OpOptions{})
		}, OpSetComponentProperty, []string{"/components/light~1main/lux"},
			map[string]map[string]any{"light/main": {"on": true, "lux": 4.5}}},
		{func() (automerge.ChangeHash, error) {
			return SetComponentProperty(doc, idA, "light/main", "tint~x", []any{1, "a"}, OpOptions{})
		}, OpSetComponentProperty, []string{"/components/light~1main/tint~0x"},
			map[string]map[string]any{"light/main": {"on": true, "lux": 4.5, "tint~x": []any{int64(1), "a"}}}},
		{func() (automerge.ChangeHash, error) {
			return RemoveComponent(doc, idA, "light/main", OpOptions{})
		}, OpRemoveComponent, []string{"/components/light~1main"}, map[string]map[string]any{}},
	}
	for _, st := range steps {
		t.Run(st.kind, func(t *testing.T) {
			h, err := st.op()
			if err != nil {
				t.Fatal(err)
			}
			if got := mustRead(t, doc).Nodes[idA].Components; !reflect.DeepEqual(got, st.want) {
				t.Fatalf("components %v, want %v", got, st.want)
			}
			if m := opMessage(t, doc, h); m.Op != st.kind || !slices.Equal(m.Props, st.props) {
				t.Fatalf("message %+v", m)
			}
		})
	}
}

// TestConcurrentAddComponentKeepsOneMap documents the inherent loss: two
// peers add the same component concurrently; one map wins, with only its
// own fields. Fields set after the add merge normally.
func TestConcurrentAddComponentKeepsOneMap(t *testing.T) {
	base := newLayer(t)
	mustAdd(t, base, Node{ID: idA})
	p1, p2 := fork(t, base), fork(t, base)
	if _, err := AddComponent(p1, idA, "light", map[string]any{"a": 1}, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := AddComponent(p2, idA, "light", map[string]any{"b": 2}, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	mergeBothWays(t, p1, p2)
	got := mustRead(t, p1).Nodes[idA].Components["light"]
	if len(got) != 1 || !reflect.DeepEqual(got, mustRead(t, p2).Nodes[idA].Components["light"]) {
		t.Fatalf("light = %v; want exactly one peer's fields on both replicas", got)
	}
}
