package format

import (
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
)

// Real test data: changes and sync messages produced by automerge-go (the
// Rust core, ~0.5.x, through automerge-c).

// commitTime is the fixed timestamp of every test commit.
var commitTime = time.UnixMilli(1_700_000_000_123)

// amCommit commits the pending ops of d at commitTime.
func amCommit(t testing.TB, d *automerge.Doc, msg string, empty bool) automerge.ChangeHash {
	t.Helper()
	h, err := d.Commit(msg, automerge.CommitOptions{Time: &commitTime, AllowEmpty: empty})
	if err != nil {
		t.Fatalf("commit %q: %v", msg, err)
	}
	return h
}

// must fails the test on a non-nil error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// amHistory builds a document whose changes cover maps, scalar types, lists,
// text, counters, deletes, nested objects, a second actor (so the last change
// references another actor) and an empty change. It returns the document and
// the second actor's id.
func amHistory(t testing.TB) (*automerge.Doc, string) {
	t.Helper()
	d := automerge.New()
	must(t, d.SetActorID("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	root := d.RootMap()
	must(t, root.Set("title", "hello"))
	must(t, root.Set("n", int64(-5)))
	must(t, root.Set("u", uint64(7)))
	must(t, root.Set("f", 3.5))
	must(t, root.Set("b", true))
	must(t, root.Set("bytes", []byte{1, 2, 3}))
	must(t, root.Set("nil", nil))
	must(t, root.Set("ts", time.UnixMilli(1234)))
	amCommit(t, d, "scalars", false)
	amObjects(t, d)
	other := "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	d2, err := d.Fork()
	must(t, err)
	must(t, d2.SetActorID(other))
	must(t, d2.RootMap().Set("shared", "from b"))
	amCommit(t, d2, "b writes", false)
	_, err = d.Merge(d2)
	must(t, err)
	must(t, root.Set("shared", "from a"))
	amCommit(t, d, "a overwrites b", false)
	amCommit(t, d, "", true)
	return d, other
}

// amObjects adds the list, text, counter, delete and nested-map changes of
// amHistory.
func amObjects(t testing.TB, d *automerge.Doc) {
	t.Helper()
	root := d.RootMap()
	items := automerge.NewList()
	must(t, root.Set("items", items))
	must(t, items.Append(int64(1), int64(2), int64(3)))
	amCommit(t, d, "list", false)

	txt := automerge.NewText("héllo")
	must(t, root.Set("txt", txt))
	amCommit(t, d, "text", false)
	must(t, txt.Splice(1, 1, "e!"))
	amCommit(t, d, "splice", false)

	cnt := automerge.NewCounter(10)
	must(t, root.Set("cnt", cnt))
	amCommit(t, d, "counter", false)
	must(t, cnt.Inc(3))
	amCommit(t, d, "inc", false)

	must(t, root.Delete("title"))
	must(t, items.Delete(1))
	amCommit(t, d, "deletes", false)

	nested := automerge.NewMap()
	must(t, root.Set("nested", nested))
	must(t, nested.Set("k", "v"))
	amCommit(t, d, "nested", false)
}

// amChanges returns every change of d.
func amChanges(t testing.TB, d *automerge.Doc) []*automerge.Change {
	t.Helper()
	cs, err := d.Changes()
	must(t, err)
	return cs
}

func TestParseChangeAutomerge(t *testing.T) {
	d, _ := amHistory(t)
	for _, ac := range amChanges(t, d) {
		t.Run(ac.Message(), func(t *testing.T) {
			raw := ac.Save()
			c, n, err := ParseChange(raw)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(raw) {
				t.Errorf("consumed %d of %d", n, len(raw))
			}
			checkAgainstAutomerge(t, c, ac)
			ops, err := c.Ops()
			if err != nil {
				t.Fatal(err)
			}
			if len(ops) != c.NumOps {
				t.Errorf("Ops returned %d ops, NumOps %d", len(ops), c.NumOps)
			}
		})
	}
}

// checkAgainstAutomerge compares the parsed header fields with automerge-go's
// accessors.
func checkAgainstAutomerge(t *testing.T, c *Change, ac *automerge.Change) {
	t.Helper()
	if c.Hash != ChangeHash(ac.Hash()) {
		t.Errorf("hash %s, automerge %s", c.Hash, ac.Hash())
	}
	if err := c.VerifyHash(ChangeHash(ac.Hash())); err != nil {
		t.Error(err)
	}
	var deps []ChangeHash
	for _, h := range ac.Dependencies() {
		deps = append(deps, ChangeHash(h))
	}
	if !slices.Equal(c.Deps, deps) {
		t.Errorf("deps %v, automerge %v", c.Deps, deps)
	}
	if hex.EncodeToString(c.Actor) != ac.ActorID() {
		t.Errorf("actor %x, automerge %s", c.Actor, ac.ActorID())
	}
	if c.Seq != ac.ActorSeq() || c.Message != ac.Message() || c.Time != ac.Timestamp().UnixMilli() {
		t.Errorf("seq/message/time %d %q %d, automerge %d %q %d", c.Seq, c.Message, c.Time,
			ac.ActorSeq(), ac.Message(), ac.Timestamp().UnixMilli())
	}
}

// parseByMessage parses d's changes and indexes them by commit message.
func parseByMessage(t *testing.T, d *automerge.Doc) map[string]*Change {
	t.Helper()
	byMsg := map[string]*Change{}
	for _, ac := range amChanges(t, d) {
		c, _, err := ParseChange(ac.Save())
		must(t, err)
		byMsg[c.Message] = c
	}
	return byMsg
}

// mustOps decodes c's ops.
func mustOps(t *testing.T, c *Change) []Op {
	t.Helper()
	ops, err := c.Ops()
	must(t, err)
	return ops
}

func TestOpsScalars(t *testing.T) {
	d, _ := amHistory(t)
	c := parseByMessage(t, d)["scalars"]
	if c.Seq != 1 || c.StartOp != 1 || c.NumOps != 8 || c.MaxOp != 8 || len(c.Deps) != 0 {
		t.Fatalf("seq %d startOp %d numOps %d maxOp %d", c.Seq, c.StartOp, c.NumOps, c.MaxOp)
	}
	want := map[string]Value{
		"title": {TypeString, "hello"},
		"n":     {TypeInt, int64(-5)},
		"u":     {TypeUint, uint64(7)},
		"f":     {TypeFloat, 3.5},
		"b":     {TypeTrue, true},
		"bytes": {TypeBytes, []byte{1, 2, 3}},
		"nil":   {TypeNull, nil},
		"ts":    {TypeTimestamp, Timestamp(1234)},
	}
	for i, op := range mustOps(t, c) {
		w, ok := want[op.Key.MapKey]
		exp := Op{ID: OpID{Counter: uint64(1 + i)}, Key: Key{MapKey: op.Key.MapKey, IsMap: true}, Action: Set, Value: w}
		if !ok || !opEqual(op, exp) {
			t.Errorf("op %d = %+v, want %+v", i, op, exp)
		}
	}
}

func TestOpsList(t *testing.T) {
	d, _ := amHistory(t)
	list := mustOps(t, parseByMessage(t, d)["list"])
	if len(list) != 4 || list[0].Action != MakeList || list[0].Key.MapKey != "items" {
		t.Fatalf("list ops %+v", list)
	}
	listObj := ObjID(list[0].ID)
	for i, op := range list[1:] {
		prev := list[i].ID
		if i == 0 {
			prev = OpID{}
		}
		exp := Op{ID: OpID{Counter: list[0].ID.Counter + uint64(i) + 1}, Obj: listObj,
			Key: Key{Elem: prev}, Action: Set, Insert: true, Value: Value{TypeInt, int64(i + 1)}}
		if !opEqual(op, exp) {
			t.Errorf("insert %d = %+v, want %+v", i, op, exp)
		}
	}
	if !list[1].Key.IsHead() || list[2].Key.IsHead() {
		t.Errorf("IsHead wrong for %+v / %+v", list[1].Key, list[2].Key)
	}
}

func TestOpsText(t *testing.T) {
	d, _ := amHistory(t)
	text := mustOps(t, parseByMessage(t, d)["text"])
	if len(text) != 1+len([]rune("héllo")) || text[0].Action != MakeText {
		t.Fatalf("text ops %+v", text)
	}
	var s string
	for _, op := range text[1:] {
		if !op.Insert || op.Obj != ObjID(text[0].ID) {
			t.Errorf("text op %+v", op)
		}
		s += op.Value.V.(string)
	}
	if s != "héllo" {
		t.Errorf("text = %q", s)
	}
}

func TestOpsCounter(t *testing.T) {
	d, _ := amHistory(t)
	byMsg := parseByMessage(t, d)
	counter := mustOps(t, byMsg["counter"])
	if len(counter) != 1 || counter[0].Value != (Value{TypeCounter, Counter(10)}) {
		t.Fatalf("counter ops %+v", counter)
	}
	inc := mustOps(t, byMsg["inc"])
	exp := Op{ID: OpID{Counter: counter[0].ID.Counter + 1}, Key: Key{MapKey: "cnt", IsMap: true},
		Action: Inc, Value: Value{TypeInt, int64(3)}, Pred: []OpID{counter[0].ID}}
	if len(inc) != 1 || !opEqual(inc[0], exp) {
		t.Errorf("inc ops %+v, want %+v", inc, exp)
	}
}

func TestOpsDeletesAndOtherActors(t *testing.T) {
	d, other := amHistory(t)
	byMsg := parseByMessage(t, d)
	list := mustOps(t, byMsg["list"])

	del := mustOps(t, byMsg["deletes"])
	if len(del) != 2 {
		t.Fatalf("delete ops %+v", del)
	}
	if del[0].Action != Del || del[0].Key.MapKey != "title" || len(del[0].Pred) != 1 || del[0].Pred[0] != (OpID{Counter: 1}) {
		t.Errorf("map delete %+v", del[0])
	}
	if del[1].Action != Del || del[1].Obj != ObjID(list[0].ID) || del[1].Key.Elem != list[2].ID ||
		len(del[1].Pred) != 1 || del[1].Pred[0] != list[2].ID {
		t.Errorf("list delete %+v", del[1])
	}

	c := byMsg["a overwrites b"]
	if len(c.OtherActors) != 1 || hex.EncodeToString(c.OtherActors[0]) != other || len(c.Deps) != 2 {
		t.Fatalf("other actors %x deps %d", c.OtherActors, len(c.Deps))
	}
	ops := mustOps(t, c)
	if len(ops) != 1 || len(ops[0].Pred) != 1 || ops[0].Pred[0].Actor != 1 ||
		hex.EncodeToString(c.ActorAt(ops[0].Pred[0].Actor)) != other {
		t.Errorf("overwrite ops %+v", ops)
	}

	empty := byMsg[""]
	if empty.NumOps != 0 || empty.MaxOp != empty.StartOp-1 || len(mustOps(t, empty)) != 0 {
		t.Errorf("empty change: NumOps %d StartOp %d MaxOp %d", empty.NumOps, empty.StartOp, empty.MaxOp)
	}
}
