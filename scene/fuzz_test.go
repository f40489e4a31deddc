package scene

import (
	"encoding/json"
	"fmt"
	"testing"
)

// FuzzLayerStateJSON feeds arbitrary JSON to the lenient layer decoder:
// decoding must never panic, any accepted state must resolve to a valid
// tree that marshals to JSON, and re-decoding the marshaled state must give
// the same state.
func FuzzLayerStateJSON(f *testing.F) {
	for _, v := range loadTreeVectors(f) {
		raw, err := json.Marshal(struct {
			Nodes any `json:"nodes"`
		}{v.State.Nodes})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"schema":"atelier.layer/1","nodes":{"a":{"parent":"a","transform":{"t":[1e999,"x"]},"components":{"c":{"v":[[[{}]]]}}}}}`))
	f.Add([]byte(`{"nodes":{"":{"parent":""},"b":{"parent":"","order":"\ufffd"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s LayerState
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		tree := Resolve(&s)
		checkTree(t, &s, tree)
		treeJSON(t, tree)
		first := stateJSON(t, &s)
		var again LayerState
		if err := json.Unmarshal([]byte(first), &again); err != nil {
			t.Fatalf("re-decode: %v\n%s", err, first)
		}
		if second := stateJSON(t, &again); second != first {
			t.Fatalf("re-decoded state differs:\n%s\n%s", first, second)
		}
	})
}

// stateJSON marshals s without warnings, which re-decoding recomputes.
func stateJSON(t *testing.T, s *LayerState) string {
	t.Helper()
	c := LayerState{Schema: s.Schema, Nodes: make(map[NodeID]*Node, len(s.Nodes))}
	for id, n := range s.Nodes {
		cp := *n
		cp.Warnings = nil
		c.Nodes[id] = &cp
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("marshal state: %v", err)
	}
	return string(raw)
}

// FuzzResolveGraph builds parent graphs directly from bytes: each pair of
// bytes is one node's parent choice and order, which reaches cycles,
// self-loops, orphans and ties far more often than JSON input does.
func FuzzResolveGraph(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0})
	f.Add([]byte{0, 1, 1, 1, 2, 0, 3, 2, 9, 9})
	f.Add([]byte{1, 0, 2, 0, 0, 0, 5, 0, 4, 3, 3, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		n := min(len(data)/2, 200)
		s := &LayerState{Nodes: make(map[NodeID]*Node, n)}
		id := func(i int) NodeID { return NodeID(fmt.Sprintf("%c%d", "aBb"[i%3], i)) }
		for i := range n {
			nd := defaultNode(id(i))
			switch p := int(data[2*i]) % (n + 2); p {
			case n:
				nd.Parent = ""
			case n + 1:
				nd.Parent = "missing"
			default:
				nd.Parent = id(p)
			}
			nd.Order = string(rune('a' + data[2*i+1]%3))
			s.Nodes[nd.ID] = &nd
		}
		tree := Resolve(s)
		checkTree(t, s, tree)
		if again := Resolve(s); treeJSON(t, again) != treeJSON(t, tree) {
			t.Fatal("Resolve is not deterministic")
		}
	})
}
