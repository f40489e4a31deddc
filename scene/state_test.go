package scene

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func decodeOneNode(t *testing.T, nodeJSON string) Node {
	t.Helper()
	var s LayerState
	if err := json.Unmarshal([]byte(`{"schema":"atelier.layer/1","nodes":{"n":`+nodeJSON+`}}`), &s); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return *s.Nodes["n"]
}

func TestDecodeNodeLeniency(t *testing.T) {
	id := IdentityTransform()
	full := `"name":"N","kind":"mesh","parent":"p","order":"a0","asset":"x",` +
		`"transform":{"t":[1,2,3],"r":[0,0,0,1],"s":[1,1,1]},"components":{}`
	tests := []struct {
		name     string
		json     string
		check    func(n Node) bool
		warnings []string // substrings, in order; nil = no warnings
	}{
		{"complete node", `{` + full + `}`, func(n Node) bool {
			return n.Name == "N" && n.Kind == KindMesh && n.Parent == "p" && n.Order == "a0" && n.Asset == "x"
		}, nil},
		{"not a map", `"garbage"`, func(n Node) bool {
			return n.Kind == KindEmpty && n.Transform == id && n.Components != nil
		}, []string{"node: got string, want map"}},
		{"null node", `null`, func(n Node) bool { return n.Kind == KindEmpty }, []string{"node: got null"}},
		{"empty map", `{}`, func(n Node) bool { return n.Transform == id && n.Kind == KindEmpty },
			[]string{"name: missing", "kind: missing", "parent: missing", "order: missing", "asset: missing", "transform: missing", "components: missing"}},
		{"mistyped strings", `{"name":1,"kind":true,"parent":{},"order":[],"asset":null,"transform":{"t":[0,0,0],"r":[0,0,0,1],"s":[1,1,1]},"components":{}}`,
			func(n Node) bool { return n.Name == "" && n.Kind == KindEmpty && n.Parent == "" && n.Order == "" },
			[]string{"name: got number", "kind: got bool", "parent: got map", "order: got list", "asset: got null"}},
		{"empty kind", `{` + strings.Replace(full, `"mesh"`, `""`, 1) + `}`, func(n Node) bool { return n.Kind == KindEmpty }, []string{"kind: empty"}},
		{"element-wise transform defaults", `{` + strings.Replace(full, `"t":[1,2,3],"r":[0,0,0,1]`, `"t":[1,"x"],"r":[0,0,1,1,9]`, 1) + `}`,
			func(n Node) bool { return n.Transform.T == Vec3{1, 0, 0} && n.Transform.R == Quat{0, 0, 1, 1} },
			[]string{"transform.t: 2 elements", "transform.t[1]: got string", "transform.r: 5 elements"}},
		{"huge and exponent numbers", `{` + strings.Replace(full, `"t":[1,2,3]`, `"t":[1e400,18446744073709551615,-2.5E1]`, 1) + `}`,
			func(n Node) bool { return n.Transform.T == Vec3{0, 18446744073709551615, -25} },
			[]string{"transform.t[0]: got number, want finite number"}},
		{"components", `{` + strings.Replace(full, `"components":{}`, `"components":{"bad":3,"light":{"i":2,"f":2.5,"c":"#fff","n":{"deep":[1,null,true]}}}`, 1) + `}`,
			func(n Node) bool {
				want := map[string]map[string]any{"light": {"i": int64(2), "f": 2.5, "c": "#fff", "n": map[string]any{"deep": []any{int64(1), nil, true}}}}
				return reflect.DeepEqual(n.Components, want)
			}, []string{"components.bad: got number, want map; dropped"}},
		{"unknown fields ignored", `{` + full + `,"future":1,"id":"other","warnings":["x"]}`, func(n Node) bool { return n.ID == "n" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := decodeOneNode(t, tt.json)
			if n.ID != "n" || !tt.check(n) {
				t.Errorf("decoded %+v", n)
			}
			if len(n.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d matching %q", n.Warnings, len(tt.warnings), tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(n.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, n.Warnings[i], w)
				}
			}
		})
	}
}

func TestDecodeNodeWarningCap(t *testing.T) {
	comps := make([]string, 0, 100)
	for i := range 100 {
		comps = append(comps, `"c`+string(rune('A'+i%26))+strings.Repeat("x", i)+`":1`)
	}
	n := decodeOneNode(t, `{"components":{`+strings.Join(comps, ",")+`}}`)
	if len(n.Warnings) != maxWarnings+1 || !strings.HasSuffix(n.Warnings[maxWarnings], "more warnings") {
		t.Fatalf("%d warnings, last %q", len(n.Warnings), n.Warnings[len(n.Warnings)-1])
	}
}

func TestLayerStateJSONErrors(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr error
		layerW  int // layer-level warnings when no error
	}{
		{"layer", `{"schema":"atelier.layer/1","nodes":{}}`, nil, 0},
		{"no schema but nodes", `{"nodes":{}}`, nil, 1},
		{"mistyped schema but nodes", `{"schema":5,"nodes":{}}`, nil, 1},
		{"empty schema but nodes", `{"schema":"","nodes":{}}`, nil, 1},
		{"empty schema only", `{"schema":""}`, ErrNotLayer, 0},
		{"schema without nodes", `{"schema":"atelier.layer/1"}`, nil, 1},
		{"schema with mistyped nodes", `{"schema":"atelier.layer/1","nodes":[]}`, nil, 1},
		{"empty object", `{}`, ErrNotLayer, 0},
		{"manifest", `{"schema":"atelier.world/1","layers":{}}`, ErrNotLayer, 0},
		{"other schema with nodes", `{"schema":"something/1","nodes":{}}`, ErrNotLayer, 0},
		{"future version", `{"schema":"atelier.layer/2","nodes":{}}`, ErrUnsupportedSchema, 0},
		{"array", `[]`, ErrNotLayer, 0},
		{"null", `null`, ErrNotLayer, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s LayerState
			err := json.Unmarshal([]byte(tt.json), &s)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (len(s.Warnings) != tt.layerW || s.Nodes == nil) {
				t.Fatalf("warnings %q nodes %v", s.Warnings, s.Nodes)
			}
		})
	}
	var s LayerState
	if err := s.UnmarshalJSON([]byte(`{"nodes":{}} {}`)); !errors.Is(err, ErrNotLayer) {
		t.Errorf("trailing data: err = %v", err)
	}
	if err := s.UnmarshalJSON([]byte(`{"nodes":`)); err == nil {
		t.Errorf("truncated JSON: no error")
	}
}

func TestLayerStateJSONRoundTrip(t *testing.T) {
	n := defaultNode("a")
	n.Name, n.Kind, n.Parent, n.Order, n.Asset = "Lamp", KindLight, "b", "a0", "asset://lamp"
	n.Transform = Transform{T: Vec3{1.5, -2, 1e-9}, R: Quat{0, 0.7071, 0, 0.7071}, S: Vec3{2, 2, 2}}
	n.Components = map[string]map[string]any{"light": {"intensity": int64(3), "color": "#fff", "on": true,
		"curve": []any{0.5, int64(1)}, "meta": map[string]any{"x": nil}}}
	in := &LayerState{Schema: LayerSchema, Nodes: map[NodeID]*Node{"a": &n}}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out LayerState
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, &out) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out.Nodes["a"], n)
	}
}
