package history

import (
	"reflect"
	"strings"
	"testing"

	"atelier/crdt/format"
)

// opBuilder writes the ops of one synthetic change by actor 0 of its
// table, for structures automerge clients would not normally produce.
type opBuilder struct {
	ops []format.Op
	ctr uint64 // counter of the last op
}

func newOps(start uint64) *opBuilder { return &opBuilder{ctr: start - 1} }

// op appends an op and returns its id.
func (b *opBuilder) op(a format.Action, obj format.OpID, key format.Key, insert bool, v any, pred ...format.OpID) format.OpID {
	b.ctr++
	id := format.OpID{Counter: b.ctr}
	val := format.Value{}
	switch x := v.(type) {
	case string:
		val = format.Value{Type: format.TypeString, V: x}
	case int64:
		val = format.Value{Type: format.TypeInt, V: x}
	}
	b.ops = append(b.ops, format.Op{ID: id, Obj: format.ObjID(obj), Key: key, Action: a, Insert: insert, Value: val, Pred: pred})
	return id
}

func mk(k string) format.Key       { return format.Key{MapKey: k, IsMap: true} }
func el(id format.OpID) format.Key { return format.Key{Elem: id} }
func (b *opBuilder) put(obj format.OpID, k string, v any, pred ...format.OpID) format.OpID {
	return b.op(format.Set, obj, mk(k), false, v, pred...)
}
func (b *opBuilder) make(a format.Action, obj format.OpID, k string) format.OpID {
	return b.op(a, obj, mk(k), false, nil)
}

var root format.OpID

// oddLayer applies a change creating root.nodes and node "n" with a
// transform.t list of one element, and returns the tracker and the ids.
func oddLayer(t *testing.T) (*Tracker, *opBuilder, map[string]format.OpID) {
	t.Helper()
	b := newOps(1)
	ids := map[string]format.OpID{}
	ids["nodes"] = b.make(format.MakeMap, root, "nodes")
	ids["n"] = b.make(format.MakeMap, ids["nodes"], "n")
	ids["name"] = b.put(ids["n"], "name", "N")
	ids["transform"] = b.make(format.MakeMap, ids["n"], "transform")
	ids["t"] = b.make(format.MakeList, ids["transform"], "t")
	ids["t0"] = b.op(format.Set, ids["t"], el(format.OpID{}), true, int64(0))
	ids["components"] = b.make(format.MakeMap, ids["n"], "components")
	tr := NewTracker()
	tr.applyOps([][]byte{[]byte("a")}, b.ops)
	return tr, newOps(b.ctr + 1), ids
}

func TestOddStructures(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *opBuilder, ids map[string]format.OpID)
		want  Touch
	}{
		{"unknown object", func(b *opBuilder, _ map[string]format.OpID) {
			b.put(format.OpID{Counter: 999}, "x", int64(1))
		}, Touch{Nodes: []NodeTouch{}, Other: []string{unknownObject}}},
		{"node value is a scalar", func(b *opBuilder, ids map[string]format.OpID) {
			b.put(ids["nodes"], "m", "oops")
		}, Touch{Nodes: []NodeTouch{{ID: "m", Created: true, Props: props()}}}},
		{"element key on the nodes map", func(b *opBuilder, ids map[string]format.OpID) {
			b.op(format.Set, ids["nodes"], el(ids["n"]), false, int64(1))
		}, Touch{Nodes: []NodeTouch{}, Other: []string{"nodes"}}},
		{"map key on a list", func(b *opBuilder, ids map[string]format.OpID) {
			b.put(ids["t"], "x", int64(1))
		}, Touch{Nodes: []NodeTouch{{ID: "n", Props: props("transform.t"), Name: "N"}}}},
		{"insert after an unknown element", func(b *opBuilder, ids map[string]format.OpID) {
			b.op(format.Set, ids["t"], el(format.OpID{Counter: 500}), true, int64(1))
		}, Touch{Nodes: []NodeTouch{{ID: "n", Props: props("transform.t"), Name: "N"}}}},
		{"set of an unknown element", func(b *opBuilder, ids map[string]format.OpID) {
			b.op(format.Set, ids["t"], el(format.OpID{Counter: 500}), false, int64(1))
		}, Touch{Nodes: []NodeTouch{{ID: "n", Props: props("transform.t"), Name: "N"}}}},
		{"name as a counter", func(b *opBuilder, ids map[string]format.OpID) {
			c := b.op(format.Set, ids["n"], mk("name"), false, nil, ids["name"])
			b.op(format.Inc, ids["n"], mk("name"), false, int64(1), c)
		}, Touch{Nodes: []NodeTouch{{ID: "n", Props: props("name"), OldName: "N"}}}},
		{"name as a map", func(b *opBuilder, ids map[string]format.OpID) {
			m := b.op(format.MakeMap, ids["n"], mk("name"), false, nil, ids["name"])
			b.put(m, "x", "y")
		}, Touch{Nodes: []NodeTouch{{ID: "n", Props: props("name"), OldName: "N"}}}},
		{"nodes replaced by a scalar", func(b *opBuilder, ids map[string]format.OpID) {
			b.put(root, "nodes", int64(0), ids["nodes"])
			b.put(ids["n"], "kind", "mesh")
		}, Touch{Nodes: []NodeTouch{{ID: "n", Props: props("kind"), Name: "N"}}, Other: []string{"nodes"}}},
		{"mark on a name text", func(b *opBuilder, ids map[string]format.OpID) {
			txt := b.op(format.MakeText, ids["n"], mk("name"), false, nil, ids["name"])
			c := b.op(format.Set, txt, el(format.OpID{}), true, "M")
			b.op(format.Mark, txt, el(c), true, nil)
			b.op(format.Set, txt, el(c), true, "e")
		}, Touch{Nodes: []NodeTouch{{ID: "n", Props: props("name"), Name: "Me", OldName: "N"}}}},
		{"unknown action", func(b *opBuilder, ids map[string]format.OpID) {
			b.op(format.Action(42), ids["n"], mk("kind"), false, nil)
		}, Touch{Nodes: []NodeTouch{{ID: "n", Props: props("kind"), Name: "N"}}}},
		{"root element key", func(b *opBuilder, _ map[string]format.OpID) {
			b.op(format.Set, root, el(format.OpID{}), true, int64(1))
		}, Touch{Nodes: []NodeTouch{}, Other: []string{rootPath}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, b, ids := oddLayer(t)
			tc.build(b, ids)
			got := tr.applyOps([][]byte{[]byte("a")}, b.ops)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %s\nwant %s", js(got), js(tc.want))
			}
			_ = Summary(got)
		})
	}
}

func TestDeepNestingIsCapped(t *testing.T) {
	tr, b, ids := oddLayer(t)
	obj := ids["components"]
	for range 3 * maxDepth {
		obj = b.make(format.MakeMap, obj, "deep")
	}
	tr.applyOps([][]byte{[]byte("a")}, b.ops)
	b = newOps(b.ctr + 1)
	b.put(obj, "x", int64(1))
	got := tr.applyOps([][]byte{[]byte("a")}, b.ops)
	p := got.Nodes[0].Props[0]
	if n := strings.Count(p, ".") + 1; n > maxDepth+1 || !strings.HasPrefix(p, "components.deep.deep") {
		t.Errorf("deep path %q has %d segments", p, n)
	}
}

func TestLongSequencesAreDropped(t *testing.T) {
	tr, b, ids := oddLayer(t)
	txt := b.op(format.MakeText, ids["n"], mk("name"), false, nil, ids["name"])
	big := b.make(format.MakeList, ids["components"], "big")
	prevT, prevL := format.OpID{}, format.OpID{}
	for range maxSeqElems + 10 {
		prevT = b.op(format.Set, txt, el(prevT), true, "x")
		prevL = b.op(format.Set, big, el(prevL), true, int64(1))
	}
	tr.applyOps([][]byte{[]byte("a")}, b.ops)
	b = newOps(b.ctr + 1)
	b.op(format.Set, big, el(prevL), false, int64(2), prevL)
	b.op(format.Set, txt, el(prevT), true, "y")
	got := tr.applyOps([][]byte{[]byte("a")}, b.ops)
	want := Touch{Nodes: []NodeTouch{{ID: "n", Props: props("components.big", "name")}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %s\nwant %s", js(got), js(want))
	}
}
