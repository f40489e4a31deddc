package scene

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/automerge/automerge-go"
)

// idSeq returns an OpOptions.NewID that hands out nid(start), nid(start+1)…
func idSeq(start int) func() NodeID {
	return func() NodeID {
		start++
		return nid(start - 1)
	}
}

// sampleSubtree builds a{b{c}, d} plus e at the root, with fields to copy.
func sampleSubtree(t testing.TB, doc *automerge.Doc) (a, b, c, d, e NodeID) {
	t.Helper()
	a, b, c, d, e = nid(1), nid(2), nid(3), nid(4), nid(5)
	comps := map[string]map[string]any{"light": {"lux": 3, "tint": []any{"warm", 0.5}}}
	tr := Transform{T: Vec3{1, 2, 3}, R: Quat{0, 0, 0, 1}, S: Vec3{2, 2, 2}}
	mustAdd(t, doc,
		Node{ID: a, Name: "A", Order: "a0", Kind: KindGroup},
		Node{ID: b, Name: "B", Parent: a, Order: "a0", Transform: tr, Components: comps},
		Node{ID: c, Name: "C", Parent: b, Order: "a0", Asset: "asset://c"},
		Node{ID: d, Name: "D", Parent: a, Order: "a1"},
		Node{ID: e, Name: "E", Order: "a1"})
	return
}

func TestDuplicateSubtree(t *testing.T) {
	doc := newLayer(t)
	a, b, c, d, e := sampleSubtree(t, doc)
	ids, h, err := DuplicateSubtree(doc, a, "", Position{After: a}, OpOptions{NewID: idSeq(10)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[NodeID]NodeID{a: nid(10), b: nid(11), c: nid(12), d: nid(13)}
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids %v", ids)
	}
	m := opMessage(t, doc, h)
	if m.Op != OpDuplicate || !slices.Equal(m.Sources, []NodeID{a, b, c, d}) ||
		!slices.Equal(m.Nodes, []NodeID{nid(10), nid(11), nid(12), nid(13)}) || m.Parent == nil || *m.Parent != "" {
		t.Fatalf("message %+v", m)
	}
	s := mustRead(t, doc)
	tree := Resolve(s)
	if got := kids(tree, ""); !slices.Equal(got, []NodeID{a, nid(10), e}) {
		t.Fatalf("roots %v", got)
	}
	for old, nw := range ids {
		o, n := *s.Nodes[old], *s.Nodes[nw]
		if tree.Nodes[nw].ResolvedParent != ids[tree.Nodes[old].ResolvedParent] && old != a {
			t.Errorf("copy of %s under %s", old, tree.Nodes[nw].ResolvedParent)
		}
		o.ID, o.Parent, n.ID, n.Parent = "", "", "", ""
		if old == a {
			o.Order, n.Order = "", ""
		}
		if !reflect.DeepEqual(o, n) {
			t.Errorf("copy of %s differs:\n%+v\n%+v", old, o, n)
		}
	}
	_ = d
	// A copy may go under a node of the copied subtree.
	if _, _, err := DuplicateSubtree(doc, a, c, Position{}, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	checkTree(t, mustRead(t, doc), treeOf(t, doc))
}

func TestDuplicateSubtreeErrors(t *testing.T) {
	doc := newLayer(t)
	a, b, _, _, e := sampleSubtree(t, doc)
	next := idSeq(60)
	tests := []struct {
		name       string
		id, parent NodeID
		at         Position
		gen        func() NodeID
		want       error
	}{
		{"missing", nid(99), "", Position{}, nil, ErrNodeNotFound},
		{"missing parent", a, nid(99), Position{}, nil, ErrNodeNotFound},
		{"id in use", a, "", Position{}, func() NodeID { return e }, ErrNodeExists},
		{"repeated id", a, "", Position{}, func() NodeID { return nid(50) }, ErrNodeExists},
		{"bad id", a, "", Position{}, func() NodeID { return "x" + next() }, ErrInvalidNode},
		{"bad position", a, "", Position{After: b}, nil, ErrInvalidPosition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := doc.Heads()
			if _, _, err := DuplicateSubtree(doc, tt.id, tt.parent, tt.at, OpOptions{NewID: tt.gen}); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			wantUnchanged(t, doc, before)
		})
	}
}

func TestMoveSubtree(t *testing.T) {
	src, dst := newLayer(t), newLayer(t)
	a, b, c, d, e := sampleSubtree(t, src)
	x := nid(20)
	mustAdd(t, dst, Node{ID: x, Order: "a0"})
	before := mustRead(t, src)
	res, err := MoveSubtree(src, dst, b, x, Position{}, MoveOptions{FromLayer: "L1", ToLayer: "L2", OpOptions: OpOptions{Author: "bo"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Nodes, []NodeID{b, c}) {
		t.Fatalf("moved %v", res.Nodes)
	}
	in, out := opMessage(t, dst, res.DstChange), opMessage(t, src, res.SrcChange)
	if in.Op != OpMoveIn || out.Op != OpMoveOut || in.Link != res.Link || out.Link != res.Link ||
		out.LinkChange != res.DstChange.String() || in.FromLayer != "L1" || out.ToLayer != "L2" ||
		in.Author != "bo" || in.Parent == nil || *in.Parent != x {
		t.Fatalf("messages %+v / %+v", in, out)
	}
	s, ds := mustRead(t, src), mustRead(t, dst)
	if !reflect.DeepEqual(sortedKeys(s.Nodes), []NodeID{a, d, e}) || !reflect.DeepEqual(sortedKeys(ds.Nodes), []NodeID{b, c, x}) {
		t.Fatalf("src %v, dst %v", sortedKeys(s.Nodes), sortedKeys(ds.Nodes))
	}
	moved := *ds.Nodes[b]
	orig := *before.Nodes[b]
	if moved.Parent != x || moved.Order != "a0" {
		t.Fatalf("b under %q order %q", moved.Parent, moved.Order)
	}
	moved.Parent, moved.Order, orig.Parent, orig.Order = "", "", "", ""
	if !reflect.DeepEqual(moved, orig) || !reflect.DeepEqual(*ds.Nodes[c], *before.Nodes[c]) {
		t.Fatalf("moved nodes differ:\n%+v\n%+v", moved, orig)
	}
}

func TestMoveSubtreeErrors(t *testing.T) {
	src, dst := newLayer(t), newLayer(t)
	a, b, _, _, _ := sampleSubtree(t, src)
	mustAdd(t, dst, Node{ID: nid(3), Order: "a0"}, Node{ID: nid(20)})
	tests := []struct {
		name       string
		src, dst   *automerge.Doc
		id, parent NodeID
		want       error
	}{
		{"same layer", src, src, b, "", ErrSameLayer},
		{"missing", src, dst, nid(99), "", ErrNodeNotFound},
		{"missing parent", src, dst, b, a, ErrNodeNotFound},
		{"id exists in dst", src, dst, b, "", ErrNodeExists},
		{"nil dst", src, nil, b, "", ErrNotLayer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs, hd := src.Heads(), dst.Heads()
			if _, err := MoveSubtree(tt.src, tt.dst, tt.id, tt.parent, Position{}, MoveOptions{}); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			wantUnchanged(t, src, hs)
			wantUnchanged(t, dst, hd)
		})
	}
}
