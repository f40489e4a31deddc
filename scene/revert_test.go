package scene

import (
	"errors"
	"reflect"
	"testing"

	"github.com/automerge/automerge-go"
)

// changeStates materializes the layer just before change h (at its
// dependencies) and at h, the two states Revert takes.
func changeStates(t testing.TB, doc *automerge.Doc, h automerge.ChangeHash) (before, after *LayerState) {
	t.Helper()
	ch, err := doc.Change(h)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Dependencies()) == 0 {
		t.Fatal("change has no dependencies; Fork() would give the current state")
	}
	return stateAt(t, doc, ch.Dependencies()...), stateAt(t, doc, h)
}

// step is one operation of a test scenario; it returns its change.
type step func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash

func rename(id NodeID, name string) step {
	return func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash {
		return done(t)(SetProperty(doc, id, PropName, name, OpOptions{}))
	}
}

func translate(id NodeID, i int, v float64) step {
	return func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash {
		return done(t)(SetTransformElement(doc, id, "t", i, v, OpOptions{}))
	}
}

func create(id, parent NodeID) step {
	return func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash {
		return done(t)(CreateNode(doc, Node{ID: id, Parent: parent}, Position{}, OpOptions{}))
	}
}

func deleteNode(id NodeID) step {
	return func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash {
		return done(t)(DeleteSubtree(doc, id, OpOptions{}))
	}
}

func reparent(id, parent NodeID) step {
	return func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash {
		return done(t)(Reparent(doc, id, parent, Position{}, OpOptions{}))
	}
}

func TestRevert(t *testing.T) {
	a, b, c, d, x, y := nid(1), nid(2), nid(3), nid(4), nid(10), nid(11)
	tests := []struct {
		name   string
		change step // the change to revert
		since  step // what happens after it, or nil
		// wantBefore: the layer reads as before the change after the
		// revert; check says what it reads as otherwise.
		wantBefore                bool
		check                     func(t *testing.T, got *LayerState)
		created, deleted, updated []NodeID // nil: not checked
		conflicts                 []Conflict
	}{
		{name: "rename", change: rename(b, "B1"), wantBefore: true, updated: []NodeID{b}, conflicts: []Conflict{}},
		{
			name: "rename renamed again since", change: rename(b, "B1"), since: rename(b, "B2"),
			check: func(t *testing.T, got *LayerState) {
				if got.Nodes[b].Name != "B2" {
					t.Errorf("name %q, want the later rename kept", got.Nodes[b].Name)
				}
			},
			updated:   []NodeID{},
			conflicts: []Conflict{{Node: b, Path: "/name", Reason: ConflictChanged, Before: "B", After: "B1", Current: "B2"}},
		},
		{
			name: "transform x, then y since", change: translate(b, 0, 5), since: translate(b, 1, 7),
			check: func(t *testing.T, got *LayerState) {
				if tr := got.Nodes[b].Transform.T; tr != (Vec3{1, 7, 3}) {
					t.Errorf("translation %v, want x reverted to 1 and y kept at 7", tr)
				}
			},
			updated: []NodeID{b}, conflicts: []Conflict{},
		},
		{name: "delete", change: deleteNode(a), wantBefore: true, created: []NodeID{a, b, c, d}, conflicts: []Conflict{}},
		{name: "create", change: create(x, a), wantBefore: true, deleted: []NodeID{x}, conflicts: []Conflict{}},
		{
			name: "duplicate",
			change: func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash {
				_, h, err := DuplicateSubtree(doc, a, "", Position{}, OpOptions{NewID: idSeq(20)})
				return done(t)(h, err)
			},
			wantBefore: true, deleted: []NodeID{nid(20), nid(21), nid(22), nid(23)}, conflicts: []Conflict{},
		},
		{
			name: "create, edited since", change: create(x, a), since: rename(x, "X"),
			check: func(t *testing.T, got *LayerState) {
				if got.Nodes[x] == nil {
					t.Error("edited node deleted")
				}
			},
			deleted: []NodeID{},
		},
		{
			name: "create, child added since", change: create(x, a), since: create(y, x),
			check: func(t *testing.T, got *LayerState) {
				if got.Nodes[x] == nil || got.Nodes[y] == nil {
					t.Error("node with a new child deleted")
				}
			},
			deleted: []NodeID{},
		},
		{
			name: "components",
			change: func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash {
				must(t, doc.Path("nodes", string(b), "components", "light", "lux").Set(int64(4)))
				must(t, doc.Path("nodes", string(b), "components", "light").Map().Delete("tint"))
				must(t, doc.Path("nodes", string(c), "components").Map().Set("audio", map[string]any{"vol": 1.0}))
				must(t, doc.Path("nodes", string(b), "components", "light", "on").Set(true))
				return done(t)(doc.Commit("one hand-made change"))
			},
			wantBefore: true, updated: []NodeID{b, c}, conflicts: []Conflict{},
		},
		{
			name: "component added, edited since",
			change: func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash {
				return done(t)(AddComponent(doc, c, "audio", map[string]any{"vol": 1}, OpOptions{}))
			},
			since: func(t *testing.T, doc *automerge.Doc) automerge.ChangeHash {
				return done(t)(SetComponentProperty(doc, c, "audio", "vol", 2, OpOptions{}))
			},
			updated: []NodeID{},
			conflicts: []Conflict{{Node: c, Path: "/components/audio", Reason: ConflictChanged,
				After: map[string]any{"vol": int64(1)}, Current: map[string]any{"vol": int64(2)}}},
		},
		{
			name: "undone by hand already", change: rename(b, "B1"), since: rename(b, "B"),
			wantBefore: true, updated: []NodeID{}, conflicts: []Conflict{},
		},
		{
			name: "reparent back would cycle", change: reparent(c, ""), since: reparent(b, c),
			check: func(t *testing.T, got *LayerState) {
				if got.Nodes[c].Parent != "" {
					t.Errorf("c's parent %q, want it left at the root", got.Nodes[c].Parent)
				}
			},
			updated:   []NodeID{c}, // its order is set back; its parent is not
			conflicts: []Conflict{{Node: c, Path: "/parent", Reason: ConflictCycle, Before: string(b), After: "", Current: ""}},
		},
		{
			name: "renamed node deleted since", change: rename(c, "C1"), since: deleteNode(c),
			created: []NodeID{}, updated: []NodeID{},
			conflicts: []Conflict{{Node: c, Path: "/name", Reason: ConflictChanged, Before: "C", After: "C1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := newLayer(t)
			sampleSubtree(t, doc)
			h := tt.change(t, doc)
			if tt.since != nil {
				tt.since(t, doc)
			}
			before, after := changeStates(t, doc, h)
			heads := doc.Heads()
			res, err := Revert(doc, before, after, OpOptions{Reverts: h, Author: "ana"})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantBefore {
				wantState(t, doc, before)
			}
			if tt.check != nil {
				tt.check(t, mustRead(t, doc))
			}
			wantIDs(t, "created", res.Created, tt.created)
			wantIDs(t, "deleted", res.Deleted, tt.deleted)
			wantIDs(t, "updated", res.Updated, tt.updated)
			if tt.conflicts != nil && !reflect.DeepEqual(res.Conflicts, tt.conflicts) {
				t.Errorf("conflicts %+v, want %+v", res.Conflicts, tt.conflicts)
			}
			if !res.Changed {
				wantUnchanged(t, doc, heads)
				return
			}
			m := opMessage(t, doc, res.Change)
			if m.Op != OpRevert || m.LinkChange != h.String() || m.Author != "ana" {
				t.Errorf("message %+v, want op revert with linkChange %s", m, h)
			}
		})
	}
}

// TestRevertConflictDetails checks the conflicts reported for created
// nodes, whose values are whole nodes.
func TestRevertConflictDetails(t *testing.T) {
	a, x, y := nid(1), nid(10), nid(11)
	doc := newLayer(t)
	sampleSubtree(t, doc)
	h := done(t)(CreateNode(doc, Node{ID: x, Parent: a}, Position{}, OpOptions{}))
	done(t)(CreateNode(doc, Node{ID: y, Parent: x}, Position{}, OpOptions{}))
	before, after := changeStates(t, doc, h)
	res, err := Revert(doc, before, after, OpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || len(res.Conflicts) != 1 {
		t.Fatalf("result %+v, want one conflict and no change", res)
	}
	got := res.Conflicts[0]
	if got.Node != x || got.Path != "" || got.Reason != ConflictChildren || got.Before != nil ||
		!reflect.DeepEqual(got.Current, []NodeID{y}) || got.After.(Node).ID != x {
		t.Fatalf("conflict %+v", got)
	}
	done(t)(SetProperty(doc, x, PropName, "X", OpOptions{}))
	if res, err = Revert(doc, before, after, OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := res.Conflicts[0]; got.Reason != ConflictChanged || got.Current.(Node).Name != "X" {
		t.Fatalf("conflict %+v", got)
	}
}

// TestRevertThenRevertTheRevert: reverting the revert restores the
// change's result, so Revert is its own undo.
func TestRevertThenRevertTheRevert(t *testing.T) {
	a := nid(1)
	doc := newLayer(t)
	sampleSubtree(t, doc)
	h := done(t)(DeleteSubtree(doc, a, OpOptions{}))
	before, after := changeStates(t, doc, h)
	res, err := Revert(doc, before, after, OpOptions{Reverts: h})
	if err != nil {
		t.Fatal(err)
	}
	b2, a2 := changeStates(t, doc, res.Change)
	if _, err := Revert(doc, b2, a2, OpOptions{Reverts: res.Change}); err != nil {
		t.Fatal(err)
	}
	wantState(t, doc, after)
}

func TestRevertErrors(t *testing.T) {
	b := nid(2)
	doc := newLayer(t)
	sampleSubtree(t, doc)
	h := done(t)(SetTransformElement(doc, b, "t", 2, 0, OpOptions{}))
	before, after := changeStates(t, doc, h)
	setField(t, doc, b, "transform", "gone") // reads as the identity, so t[2] is still 0
	heads := doc.Heads()
	tests := []struct {
		name          string
		doc           *automerge.Doc
		before, after *LayerState
		want          error
	}{
		{"nil before", doc, nil, after, ErrNotLayer},
		{"nil after", doc, before, nil, ErrNotLayer},
		{"not a layer", automerge.New(), before, after, ErrNotLayer},
		{"malformed node", doc, before, after, ErrMalformedNode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Revert(tt.doc, tt.before, tt.after, OpOptions{}); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			wantUnchanged(t, doc, heads)
		})
	}
}
