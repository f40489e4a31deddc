package format

import (
	"encoding/hex"
	"testing"

	"github.com/automerge/automerge-go"
)

// Changes from EncodeChange load into automerge-go and do what they say:
// a put on the root, a put in a nested map, and an overwrite (with pred) of
// a value another actor wrote.
func TestEncodeChangeAppliesInAutomerge(t *testing.T) {
	doc := automerge.New()
	_ = doc.RootMap().Set("nodes", automerge.NewMap())
	_ = doc.Path("nodes", "n1").Set("old")
	h0, err := doc.Commit("setup")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := doc.Change(h0)
	bc, _, err := ParseChange(base.Save())
	if err != nil {
		t.Fatal(err)
	}
	author, _ := hex.DecodeString(doc.ActorID())
	nodes := ActorOp{Counter: bc.StartOp, Actor: author}      // makeMap "nodes"
	oldPut := ActorOp{Counter: bc.StartOp + 1, Actor: author} // put nodes.n1

	me := []byte{0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	c, err := EncodeChange(ChangeSpec{
		Deps: []ChangeHash{ChangeHash(h0)}, Actor: me, Seq: 1, StartOp: bc.MaxOp + 1, Time: 1700000000000, Message: "lg 1",
		Ops: []MapPut{
			{Key: "root-int", Value: int64(-7)},
			{Obj: nodes, Key: "n1", Value: "new", Pred: []ActorOp{oldPut}},
			{Obj: nodes, Key: "f", Value: 2.5},
			{Obj: nodes, Key: "b", Value: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.NumOps != 4 || c.Seq != 1 || c.Message != "lg 1" {
		t.Fatalf("parsed back %+v", c)
	}
	if err := doc.LoadIncremental(c.Raw); err != nil {
		t.Fatalf("automerge refused the encoded change: %v", err)
	}
	if heads := doc.Heads(); len(heads) != 1 || ChangeHash(heads[0]) != c.Hash {
		t.Fatalf("heads %v, want our change %s", heads, c.Hash)
	}
	checks := []struct {
		path []any
		want any
	}{
		{[]any{"root-int"}, int64(-7)}, {[]any{"nodes", "n1"}, "new"}, {[]any{"nodes", "f"}, 2.5}, {[]any{"nodes", "b"}, true},
	}
	for _, ck := range checks {
		v, err := doc.Path(ck.path...).Get()
		if err != nil || v.Interface() != ck.want {
			t.Fatalf("%v = %v (%v), want %v", ck.path, v, err, ck.want)
		}
	}
	values, _ := doc.Path("nodes").Map().Values()
	if len(values) != 3 {
		t.Fatalf("nodes has %d keys, want 3 (the overwrite must not leave a conflict)", len(values))
	}
}
