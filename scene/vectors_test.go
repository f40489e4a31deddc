package scene

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// treeVector is one golden vector of testdata/tree, shared with the
// TypeScript implementation. The format is specified in docs/scene-schema.md.
type treeVector struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	State       LayerState `json:"state"`
	Expected    struct {
		Roots []NodeID                    `json:"roots"`
		Nodes map[NodeID]vectorNodeResult `json:"nodes"`
	} `json:"expected"`
}

// vectorNodeResult is the expected placement of one node. The pointer
// fields are optional: when present they are compared too.
type vectorNodeResult struct {
	Parent         NodeID          `json:"parent"`
	DeclaredParent NodeID          `json:"declaredParent"`
	Children       []NodeID        `json:"children"`
	Orphan         bool            `json:"orphan"`
	CycleBroken    bool            `json:"cycleBroken"`
	Name           *string         `json:"name"`
	Kind           *string         `json:"kind"`
	Order          *string         `json:"order"`
	Asset          *string         `json:"asset"`
	Transform      *Transform      `json:"transform"`
	Components     json.RawMessage `json:"components"`
}

func loadTreeVectors(t testing.TB) map[string]treeVector {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "tree", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	out := make(map[string]treeVector, len(paths))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var v treeVector
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if stem := strings.TrimSuffix(filepath.Base(p), ".json"); v.Name != stem {
			t.Fatalf("%s: name %q does not match file name", p, v.Name)
		}
		out[v.Name] = v
	}
	return out
}

func TestTreeVectors(t *testing.T) {
	vectors := loadTreeVectors(t)
	for _, required := range []string{
		"empty", "flat-ordering", "deep-nesting", "orphan-missing-parent", "self-parent",
		"cycle-two-nodes", "cycle-three-with-subtree", "cycles-two-disjoint",
		"cycle-plus-orphan", "mixed-js-values",
	} {
		if _, ok := vectors[required]; !ok {
			t.Errorf("missing required vector %q", required)
		}
	}
	for _, name := range sortedKeys(vectors) {
		v := vectors[name]
		t.Run(name, func(t *testing.T) {
			tree := Resolve(&v.State)
			checkTree(t, &v.State, tree)
			if !slices.Equal(tree.Roots, v.Expected.Roots) {
				t.Errorf("roots = %q, want %q", tree.Roots, v.Expected.Roots)
			}
			if len(tree.Nodes) != len(v.Expected.Nodes) {
				t.Errorf("%d nodes, want %d", len(tree.Nodes), len(v.Expected.Nodes))
			}
			for id, want := range v.Expected.Nodes {
				got, ok := tree.Nodes[id]
				if !ok {
					t.Errorf("node %q missing", id)
					continue
				}
				compareVectorNode(t, id, got, want)
			}
		})
	}
}

func compareVectorNode(t *testing.T, id NodeID, got *ResolvedNode, want vectorNodeResult) {
	t.Helper()
	gotPlace := vectorNodeResult{
		Parent: got.ResolvedParent, DeclaredParent: got.DeclaredParent,
		Children: got.Children, Orphan: got.Orphan, CycleBroken: got.CycleBroken,
	}
	wantPlace := vectorNodeResult{
		Parent: want.Parent, DeclaredParent: want.DeclaredParent,
		Children: want.Children, Orphan: want.Orphan, CycleBroken: want.CycleBroken,
	}
	if wantPlace.Children == nil {
		t.Errorf("node %q: vector lacks children", id)
	}
	if !slices.Equal(gotPlace.Children, wantPlace.Children) || gotPlace.Parent != wantPlace.Parent ||
		gotPlace.DeclaredParent != wantPlace.DeclaredParent || gotPlace.Orphan != wantPlace.Orphan ||
		gotPlace.CycleBroken != wantPlace.CycleBroken {
		t.Errorf("node %q:\n got %+v\nwant %+v", id, gotPlace, wantPlace)
	}
	for _, f := range []struct {
		field     string
		got, want any
	}{
		{"name", got.Name, want.Name}, {"kind", got.Kind, want.Kind},
		{"order", got.Order, want.Order}, {"asset", got.Asset, want.Asset},
		{"transform", got.Transform, want.Transform},
	} {
		w := reflect.ValueOf(f.want)
		if !w.IsNil() && !reflect.DeepEqual(f.got, w.Elem().Interface()) {
			t.Errorf("node %q: %s = %v, want %v", id, f.field, f.got, w.Elem().Interface())
		}
	}
	if want.Components != nil {
		if g, w := canonicalJSON(t, got.Components), canonicalJSON(t, want.Components); g != w {
			t.Errorf("node %q: components = %s, want %s", id, g, w)
		}
	}
}

// canonicalJSON re-encodes v (a value or raw JSON) with sorted keys and
// numbers as float64, so 3 and 3.0 compare equal.
func canonicalJSON(t *testing.T, v any) string {
	t.Helper()
	raw, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(generic)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestTreeVectorsJSONShape checks the tree's JSON field names, which the
// TypeScript side reads, on one vector.
func TestTreeVectorsJSONShape(t *testing.T) {
	v := loadTreeVectors(t)["cycle-plus-orphan"]
	var generic struct {
		Roots []string                  `json:"roots"`
		Nodes map[string]map[string]any `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(treeJSON(t, Resolve(&v.State))), &generic); err != nil {
		t.Fatal(err)
	}
	a := generic.Nodes["a"]
	for key, want := range map[string]any{
		"id": "a", "parent": "", "declaredParent": "b", "orphan": false, "cycleBroken": true,
		"children": []any{"b", "d"}, "kind": KindEmpty,
	} {
		if !reflect.DeepEqual(a[key], want) {
			t.Errorf("a.%s = %#v, want %#v", key, a[key], want)
		}
	}
	if _, ok := generic.Nodes["b"]["declaredParent"]; ok {
		t.Errorf("b.declaredParent present, want omitted")
	}
	if got := generic.Nodes["p"]["children"]; !reflect.DeepEqual(got, []any{}) {
		t.Errorf("leaf children = %#v, want []", got)
	}
}
