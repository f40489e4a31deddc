package scene

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/automerge/automerge-go"
)

// stateAt reads doc as it was at heads (now, if none), materializing it
// the way a caller of Restore and Revert does.
func stateAt(t testing.TB, doc *automerge.Doc, heads ...automerge.ChangeHash) *LayerState {
	t.Helper()
	if len(heads) == 0 {
		heads = doc.Heads()
	}
	old, err := doc.Fork(heads...)
	if err != nil {
		t.Fatal(err)
	}
	return mustRead(t, old)
}

// done fails t if an operation failed, and returns the operation's change.
func done(t testing.TB) func(automerge.ChangeHash, error) automerge.ChangeHash {
	return func(h automerge.ChangeHash, err error) automerge.ChangeHash {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
}

// nodeJSON marshals one node of s without its warnings ("null" if absent).
func nodeJSON(t testing.TB, s *LayerState, id NodeID) string {
	t.Helper()
	n := s.Nodes[id]
	if n != nil {
		c := *n
		c.Warnings = nil
		n = &c
	}
	raw, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// wantIDs compares a result list with the expected one (nil: not checked).
func wantIDs(t testing.TB, what string, got, want []NodeID) {
	t.Helper()
	if want != nil && !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// wantState asserts the layer reads exactly as want.
func wantState(t *testing.T, doc *automerge.Doc, want *LayerState) {
	t.Helper()
	if got, w := stateJSON(t, mustRead(t, doc)), stateJSON(t, want); got != w {
		t.Fatalf("layer after restore:\n%s\nwant:\n%s", got, w)
	}
}

func TestRestoreWholeLayer(t *testing.T) {
	a, b, c, d, e, x, y := nid(1), nid(2), nid(3), nid(4), nid(5), nid(10), nid(11)
	tests := []struct {
		name                      string
		since                     func(t *testing.T, doc *automerge.Doc)
		created, deleted, updated []NodeID
		props                     []string // the message's props
	}{
		{"rename, retransform, rekind", func(t *testing.T, doc *automerge.Doc) {
			done(t)(SetProperty(doc, b, PropName, "B2", OpOptions{}))
			done(t)(SetTransformElement(doc, b, "s", 1, 5, OpOptions{}))
			done(t)(SetProperty(doc, e, PropKind, KindLight, OpOptions{}))
			done(t)(SetProperty(doc, e, PropAsset, "asset://e", OpOptions{}))
		}, []NodeID{}, []NodeID{}, []NodeID{b, e}, []string{"/asset", "/kind", "/name", "/transform/s/1"}},
		{"reparent and reorder", func(t *testing.T, doc *automerge.Doc) {
			done(t)(Reparent(doc, c, "", Position{}, OpOptions{}))
			done(t)(Reorder(doc, d, Position{Before: b}, OpOptions{}))
		}, []NodeID{}, []NodeID{}, []NodeID{c, d}, []string{"/order", "/parent"}},
		{"deleted subtree", func(t *testing.T, doc *automerge.Doc) {
			done(t)(DeleteSubtree(doc, a, OpOptions{}))
		}, []NodeID{a, b, c, d}, []NodeID{}, []NodeID{}, []string{""}},
		{"created nodes", func(t *testing.T, doc *automerge.Doc) {
			done(t)(CreateNode(doc, Node{ID: x, Parent: a}, Position{}, OpOptions{}))
			done(t)(CreateNode(doc, Node{ID: y, Parent: x}, Position{}, OpOptions{}))
		}, []NodeID{}, []NodeID{x, y}, []NodeID{}, []string{""}},
		{"component fields", func(t *testing.T, doc *automerge.Doc) {
			done(t)(SetComponentProperty(doc, b, "light", "lux", 7, OpOptions{}))
			done(t)(SetComponentProperty(doc, b, "light", "extra", true, OpOptions{}))
			done(t)(AddComponent(doc, c, "audio", map[string]any{"vol": 1}, OpOptions{}))
		}, []NodeID{}, []NodeID{}, []NodeID{b, c}, []string{"/components/audio", "/components/light/extra", "/components/light/lux"}},
		{"component removed", func(t *testing.T, doc *automerge.Doc) {
			done(t)(RemoveComponent(doc, b, "light", OpOptions{}))
		}, []NodeID{}, []NodeID{}, []NodeID{b}, []string{"/components/light"}},
		{"everything at once", func(t *testing.T, doc *automerge.Doc) {
			done(t)(DeleteSubtree(doc, d, OpOptions{}))
			done(t)(CreateNode(doc, Node{ID: x, Parent: b, Name: "X"}, Position{}, OpOptions{}))
			done(t)(Reparent(doc, c, x, Position{}, OpOptions{}))
			done(t)(Reparent(doc, e, a, Position{}, OpOptions{}))
			done(t)(SetProperty(doc, a, PropName, "A2", OpOptions{}))
			done(t)(SetComponentProperty(doc, b, "light", "tint", []any{"cold"}, OpOptions{}))
			done(t)(SetTransformElement(doc, b, "r", 3, 0.5, OpOptions{}))
		}, []NodeID{d}, []NodeID{x}, []NodeID{a, b, c, e}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := newLayer(t)
			sampleSubtree(t, doc)
			target := stateAt(t, doc)
			tt.since(t, doc)
			res, err := Restore(doc, target, RestoreScope{}, OpOptions{Author: "ana"})
			if err != nil {
				t.Fatal(err)
			}
			wantState(t, doc, target)
			if !res.Changed || res.Change == (automerge.ChangeHash{}) {
				t.Fatalf("result %+v, want a change", res)
			}
			wantIDs(t, "created", res.Created, tt.created)
			wantIDs(t, "deleted", res.Deleted, tt.deleted)
			wantIDs(t, "updated", res.Updated, tt.updated)
			m := opMessage(t, doc, res.Change)
			if m.Op != OpRestore || m.Author != "ana" || !slices.Equal(m.Nodes, slices.Concat(res.Created, res.Deleted, res.Updated)) {
				t.Errorf("message %+v", m)
			}
			if tt.props != nil && !slices.Equal(m.Props, tt.props) {
				t.Errorf("message props %q, want %q", m.Props, tt.props)
			}
			again, err := Restore(doc, target, RestoreScope{}, OpOptions{})
			if err != nil || again.Changed || len(doc.Heads()) != 1 || doc.Heads()[0] != res.Change {
				t.Fatalf("second restore: %+v, %v; want nothing committed", again, err)
			}
		})
	}
}

func TestRestoreScoped(t *testing.T) {
	a, b, c, d, x, y := nid(1), nid(2), nid(3), nid(4), nid(10), nid(11)
	renameBD := func(t *testing.T, doc *automerge.Doc) {
		done(t)(SetProperty(doc, b, PropName, "B2", OpOptions{}))
		done(t)(SetProperty(doc, d, PropName, "D2", OpOptions{}))
		done(t)(SetTransformElement(doc, b, "t", 0, 9, OpOptions{}))
		done(t)(SetTransformElement(doc, b, "s", 2, 7, OpOptions{}))
	}
	tests := []struct {
		name  string
		since func(t *testing.T, doc *automerge.Doc)
		scope RestoreScope
		check func(t *testing.T, got, target *LayerState, res RestoreResult)
	}{
		{"one node", renameBD, RestoreScope{Nodes: []NodeID{b}},
			func(t *testing.T, got, target *LayerState, res RestoreResult) {
				if nodeJSON(t, got, b) != nodeJSON(t, target, b) || got.Nodes[d].Name != "D2" {
					t.Errorf("b = %s, d named %q", nodeJSON(t, got, b), got.Nodes[d].Name)
				}
				wantIDs(t, "updated", res.Updated, []NodeID{b})
			}},
		{"one property of one node", renameBD, RestoreScope{Nodes: []NodeID{b}, Props: []string{"/name"}},
			func(t *testing.T, got, _ *LayerState, res RestoreResult) {
				if n := got.Nodes[b]; n.Name != "B" || n.Transform.T[0] != 9 || got.Nodes[d].Name != "D2" {
					t.Errorf("b = %+v, d named %q", n, got.Nodes[d].Name)
				}
				want := []PropChange{{ID: b, Op: DiffReplace, Path: "/name", Before: "B2", After: "B"}}
				if !reflect.DeepEqual(res.Props, want) {
					t.Errorf("props %+v, want %+v", res.Props, want)
				}
			}},
		{"one property on every node", renameBD, RestoreScope{Props: []string{"/name"}},
			func(t *testing.T, got, _ *LayerState, res RestoreResult) {
				if got.Nodes[b].Name != "B" || got.Nodes[d].Name != "D" || got.Nodes[b].Transform.T[0] != 9 {
					t.Errorf("b = %+v, d = %+v", got.Nodes[b], got.Nodes[d])
				}
				wantIDs(t, "updated", res.Updated, []NodeID{b, d})
			}},
		{"one transform element", renameBD, RestoreScope{Nodes: []NodeID{b}, Props: []string{"/transform/s/2"}},
			func(t *testing.T, got, _ *LayerState, res RestoreResult) {
				if tr := got.Nodes[b].Transform; tr.S != (Vec3{2, 2, 2}) || tr.T[0] != 9 {
					t.Errorf("transform %+v", tr)
				}
			}},
		{"transform group", renameBD, RestoreScope{Nodes: []NodeID{b}, Props: []string{"/transform"}},
			func(t *testing.T, got, target *LayerState, _ RestoreResult) {
				if got.Nodes[b].Transform != target.Nodes[b].Transform || got.Nodes[b].Name != "B2" {
					t.Errorf("b = %+v", got.Nodes[b])
				}
			}},
		{"field of a component removed since", func(t *testing.T, doc *automerge.Doc) {
			done(t)(RemoveComponent(doc, b, "light", OpOptions{}))
		}, RestoreScope{Nodes: []NodeID{b}, Props: []string{"/components/light/lux"}},
			func(t *testing.T, got, _ *LayerState, _ RestoreResult) {
				want := map[string]map[string]any{"light": {"lux": int64(3)}}
				if !reflect.DeepEqual(got.Nodes[b].Components, want) {
					t.Errorf("components %v, want %v", got.Nodes[b].Components, want)
				}
			}},
		{"field of a component added since", func(t *testing.T, doc *automerge.Doc) {
			done(t)(AddComponent(doc, c, "audio", map[string]any{"vol": 1, "pan": 0}, OpOptions{}))
		}, RestoreScope{Nodes: []NodeID{c}, Props: []string{"/components/audio/vol"}},
			func(t *testing.T, got, _ *LayerState, _ RestoreResult) {
				want := map[string]map[string]any{"audio": {"pan": int64(0)}}
				if !reflect.DeepEqual(got.Nodes[c].Components, want) {
					t.Errorf("components %v, want %v", got.Nodes[c].Components, want)
				}
			}},
		{"escaped component name", func(t *testing.T, doc *automerge.Doc) {
			done(t)(AddComponent(doc, c, "a/b~c", map[string]any{"k": 1}, OpOptions{}))
			done(t)(SetProperty(doc, c, PropName, "C2", OpOptions{}))
		}, RestoreScope{Props: []string{"/components/a~1b~0c"}},
			func(t *testing.T, got, _ *LayerState, res RestoreResult) {
				if len(got.Nodes[c].Components) != 0 || got.Nodes[c].Name != "C2" {
					t.Errorf("c = %+v", got.Nodes[c])
				}
				if len(res.Props) != 1 || res.Props[0].Path != "/components/a~1b~0c" || res.Props[0].Op != DiffRemove {
					t.Errorf("props %+v", res.Props)
				}
			}},
		{"node created since, with its new children", func(t *testing.T, doc *automerge.Doc) {
			done(t)(CreateNode(doc, Node{ID: x, Parent: a}, Position{}, OpOptions{}))
			done(t)(CreateNode(doc, Node{ID: y, Parent: x}, Position{}, OpOptions{}))
			done(t)(Reparent(doc, d, x, Position{}, OpOptions{}))
		}, RestoreScope{Nodes: []NodeID{x}},
			func(t *testing.T, got, _ *LayerState, res RestoreResult) {
				wantIDs(t, "deleted", res.Deleted, []NodeID{x, y})
				if n := got.Nodes[d]; n == nil || n.Parent != x {
					t.Errorf("d = %+v, want kept (an orphan of x until restored)", n)
				}
			}},
		{"target's own cycle", func(t *testing.T, doc *automerge.Doc) {
			done(t)(Reparent(doc, a, "", Position{}, OpOptions{}))
		}, RestoreScope{Nodes: []NodeID{a}},
			func(t *testing.T, got, _ *LayerState, _ RestoreResult) {
				if got.Nodes[a].Parent != b {
					t.Errorf("a's parent %q, want %q as in the target", got.Nodes[a].Parent, b)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := newLayer(t)
			sampleSubtree(t, doc)
			if tt.name == "target's own cycle" {
				setField(t, doc, a, "parent", string(b)) // a under b under a
			}
			target := stateAt(t, doc)
			tt.since(t, doc)
			res, err := Restore(doc, target, tt.scope, OpOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Changed {
				t.Fatal("nothing restored")
			}
			opMessage(t, doc, res.Change)
			tt.check(t, mustRead(t, doc), target, res)
		})
	}
}

func TestRestoreDeletedSubtree(t *testing.T) {
	a, b, c, d := nid(1), nid(2), nid(3), nid(4)
	doc := newLayer(t)
	sampleSubtree(t, doc)
	target := stateAt(t, doc)
	done(t)(DeleteSubtree(doc, a, OpOptions{}))
	deleted := doc.Heads()

	// Restoring b alone brings back b and c, its target child; b is an
	// orphan of a until a is restored too.
	res, err := Restore(doc, target, RestoreScope{Nodes: []NodeID{b}}, OpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "created", res.Created, []NodeID{b, c})
	got := mustRead(t, doc)
	if len(got.Nodes) != 3 || nodeJSON(t, got, b) != nodeJSON(t, target, b) || nodeJSON(t, got, c) != nodeJSON(t, target, c) {
		t.Fatalf("after restoring b: %s", stateJSON(t, got))
	}

	// Restoring a brings back the rest of its subtree; b and c are left.
	res, err = Restore(doc, target, RestoreScope{Nodes: []NodeID{a}}, OpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "created", res.Created, []NodeID{a, d})
	wantState(t, doc, target)

	// From the deleted state, one restore of a brings back all four, parents first.
	fresh, err := doc.Fork(deleted...)
	if err != nil {
		t.Fatal(err)
	}
	if res, err = Restore(fresh, target, RestoreScope{Nodes: []NodeID{a}}, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "created", res.Created, []NodeID{a, b, c, d})
	wantState(t, fresh, target)
	tree := treeOf(t, fresh)
	if !slices.Equal(tree.Nodes[a].Children, []NodeID{b, d}) || !slices.Equal(tree.Nodes[b].Children, []NodeID{c}) {
		t.Fatalf("restored tree %s", treeJSON(t, tree))
	}
}

// TestRestoreConcurrentEdit: replica A restores node b while replica B
// edits other properties of b (another translation element, a component
// field). Restore writes only what differs, element by element, so after
// merging both ways both edits survive on both replicas.
func TestRestoreConcurrentEdit(t *testing.T) {
	b := nid(2)
	base := newLayer(t)
	sampleSubtree(t, base)
	target := stateAt(t, base)
	done(t)(SetProperty(base, b, PropName, "B2", OpOptions{}))
	done(t)(SetTransformElement(base, b, "t", 0, 9, OpOptions{}))
	repA, repB := fork(t, base), fork(t, base)

	res, err := Restore(repA, target, RestoreScope{Nodes: []NodeID{b}}, OpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths := []string{"/name", "/transform/t/0"}
	if len(res.Props) != 2 || res.Props[0].Path != wantPaths[0] || res.Props[1].Path != wantPaths[1] {
		t.Fatalf("restore set %+v, want only %v", res.Props, wantPaths)
	}
	done(t)(SetTransformElement(repB, b, "t", 1, 7, OpOptions{}))
	done(t)(SetComponentProperty(repB, b, "light", "lux", 12, OpOptions{}))
	mergeBothWays(t, repA, repB)

	for name, doc := range map[string]*automerge.Doc{"A": repA, "B": repB} {
		n := mustRead(t, doc).Nodes[b]
		if n.Name != "B" || n.Transform.T != (Vec3{1, 7, 3}) || n.Components["light"]["lux"] != int64(12) {
			t.Errorf("replica %s: b = %+v; want name and x restored, y and lux from the concurrent edit", name, n)
		}
	}
}

func TestRestoreNothingToDo(t *testing.T) {
	doc := newLayer(t)
	sampleSubtree(t, doc)
	target := stateAt(t, doc)
	done(t)(SetProperty(doc, nid(4), PropName, "D2", OpOptions{}))
	before := doc.Heads()
	for _, scope := range []RestoreScope{
		{Nodes: []NodeID{nid(2)}},
		{Props: []string{"/transform", "/components"}},
		{Nodes: []NodeID{nid(4)}, Props: []string{"/asset"}},
	} {
		res, err := Restore(doc, target, scope, OpOptions{})
		if err != nil || res.Changed || res.Change != (automerge.ChangeHash{}) {
			t.Fatalf("scope %+v: %+v, %v; want nothing to do", scope, res, err)
		}
		if res.Created == nil || res.Deleted == nil || res.Updated == nil || res.Props == nil {
			t.Fatalf("nil lists in %+v", res)
		}
		wantUnchanged(t, doc, before)
	}
}

func TestRestoreErrors(t *testing.T) {
	a, b, c := nid(1), nid(2), nid(3)
	badPaths := []string{"", "name", "/", "/nope", "/name/x", "/transform/q", "/transform/t/3", "/transform/r/4",
		"/transform/t/01", "/transform/t/0/x", "/components/", "/components/l//", "/components/l/k/x", "/components/l~2", "/order\xff"}
	type tc struct {
		name   string
		since  func(t *testing.T, doc *automerge.Doc)
		target func(s *LayerState) *LayerState
		scope  RestoreScope
		opt    OpOptions
		want   error
	}
	tests := []tc{
		{name: "unknown node", scope: RestoreScope{Nodes: []NodeID{a, nid(99)}}, want: ErrNodeNotFound},
		{name: "empty node id", scope: RestoreScope{Nodes: []NodeID{""}}, want: ErrNodeNotFound},
		{name: "nil target", target: func(*LayerState) *LayerState { return nil }, want: ErrNotLayer},
		{name: "bad author", opt: OpOptions{Author: "\xff"}, want: ErrInvalidValue},
		{name: "would cycle", since: func(t *testing.T, doc *automerge.Doc) {
			done(t)(Reparent(doc, c, "", Position{}, OpOptions{}))
			done(t)(Reparent(doc, a, c, Position{}, OpOptions{}))
		}, scope: RestoreScope{Nodes: []NodeID{c}}, want: ErrWouldCycle},
		{name: "target node not writable", target: func(s *LayerState) *LayerState {
			n := *s.Nodes[a]
			n.ID = "not-a-uuid"
			s.Nodes[n.ID] = &n
			return s
		}, scope: RestoreScope{Nodes: []NodeID{"not-a-uuid"}}, want: ErrInvalidNode},
		{name: "malformed node", since: func(t *testing.T, doc *automerge.Doc) {
			setField(t, doc, b, "transform", "gone")
		}, scope: RestoreScope{Nodes: []NodeID{a, b}}, want: ErrMalformedNode},
	}
	for _, p := range badPaths {
		tests = append(tests, tc{name: "path " + p, scope: RestoreScope{Nodes: []NodeID{a}, Props: []string{"/name", p}}, want: ErrInvalidProperty})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := newLayer(t)
			sampleSubtree(t, doc)
			target := stateAt(t, doc)
			done(t)(SetProperty(doc, a, PropName, "A2", OpOptions{})) // something to restore
			if tt.since != nil {
				tt.since(t, doc)
			}
			if tt.target != nil {
				target = tt.target(target)
			}
			before := doc.Heads()
			if _, err := Restore(doc, target, tt.scope, tt.opt); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			wantUnchanged(t, doc, before)
		})
	}
	t.Run("not a layer", func(t *testing.T) {
		doc := automerge.New()
		if _, err := Restore(doc, &LayerState{}, RestoreScope{}, OpOptions{}); !errors.Is(err, ErrNotLayer) {
			t.Fatalf("err = %v, want ErrNotLayer", err)
		}
		if _, err := Restore(nil, &LayerState{}, RestoreScope{}, OpOptions{}); !errors.Is(err, ErrNotLayer) {
			t.Fatalf("nil doc: err = %v, want ErrNotLayer", err)
		}
	})
}

func TestParsePropPath(t *testing.T) {
	tests := []struct {
		path string
		want []string
	}{
		{"/name", []string{"name"}},
		{"/parent", []string{"parent"}},
		{"/transform", []string{"transform"}},
		{"/transform/r", []string{"transform", "r"}},
		{"/transform/r/3", []string{"transform", "r", "3"}},
		{"/components", []string{"components"}},
		{"/components/a~1b", []string{"components", "a/b"}},
		{"/components/l/~0k~1", []string{"components", "l", "~k/"}},
	}
	for _, tt := range tests {
		got, err := parsePropPath(tt.path)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parsePropPath(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
}
