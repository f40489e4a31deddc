package history

import (
	"encoding/json"
	"testing"
	"time"

	"atelier/crdt/format"
	"atelier/scene"

	"github.com/automerge/automerge-go"
)

// Fixed node ids, in id order.
const (
	crateID  = "00000000-0000-4000-8000-000000000001"
	barrelID = "00000000-0000-4000-8000-000000000002"
	lampID   = "00000000-0000-4000-8000-000000000003"
	fenceID  = "00000000-0000-4000-8000-000000000004"
	crate2ID = "00000000-0000-4000-8000-000000000005"
)

// Fixed actor ids; "aa…" sorts before "bb…".
const (
	actorA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	actorB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

var commitTime = time.UnixMilli(1_700_000_000_000)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// commit commits d's pending ops.
func commit(t testing.TB, d *automerge.Doc, msg string) {
	t.Helper()
	if _, err := d.Commit(msg, automerge.CommitOptions{Time: &commitTime}); err != nil {
		t.Fatalf("commit %q: %v", msg, err)
	}
}

// newLayer returns a new layer document (scene.NewLayerDoc) whose later
// changes are written by actor.
func newLayer(t testing.TB, actor string) *automerge.Doc {
	t.Helper()
	d, err := scene.NewLayerDoc()
	must(t, err)
	must(t, d.SetActorID(actor))
	return d
}

// addNode adds n to d (uncommitted).
func addNode(t testing.TB, d *automerge.Doc, n scene.Node) {
	t.Helper()
	must(t, scene.AddNode(d, n))
}

// parsed returns d's changes since heads, parsed with crdt/format, in
// d's (causal) order.
func parsed(t testing.TB, d *automerge.Doc, heads ...automerge.ChangeHash) []*format.Change {
	t.Helper()
	chs, err := d.Changes(heads...)
	must(t, err)
	out := make([]*format.Change, len(chs))
	for i, ch := range chs {
		c, _, err := format.ParseChange(ch.Save())
		must(t, err)
		out[i] = c
	}
	return out
}

// applyAll applies cs to tr and returns their touches.
func applyAll(t testing.TB, tr *Tracker, cs []*format.Change) []Touch {
	t.Helper()
	out := make([]Touch, len(cs))
	for i, c := range cs {
		tc, err := tr.Apply(c)
		if err != nil {
			t.Fatalf("change %d (%q): %v", i, c.Message, err)
		}
		out[i] = tc
	}
	return out
}

// js renders v as JSON for failure messages.
func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// docString reads the string (scalar or Text) at path in d.
func docString(t testing.TB, d *automerge.Doc, path ...any) string {
	t.Helper()
	v, err := d.Path(path...).Get()
	must(t, err)
	switch v.Kind() {
	case automerge.KindStr:
		return v.Str()
	case automerge.KindText:
		s, err := v.Text().Get()
		must(t, err)
		return s
	}
	return ""
}
