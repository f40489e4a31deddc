package history

import (
	"cmp"
	"encoding/hex"
	"slices"
	"sync"
	"testing"

	"atelier/crdt/format"
)

// checkInvariants fails unless tc is well formed, and exercises Summary
// and LastSet.
func checkInvariants(t *testing.T, tr *Tracker, tc Touch) {
	if !slices.IsSortedFunc(tc.Nodes, func(a, b NodeTouch) int { return cmp.Compare(a.ID, b.ID) }) {
		t.Fatalf("nodes not sorted: %s", js(tc))
	}
	for _, n := range tc.Nodes {
		if n.Props == nil || !slices.IsSorted(n.Props) || slices.Contains(n.Props, "") {
			t.Fatalf("bad props: %s", js(n))
		}
		_ = tr.LastSet(n.ID)
	}
	if !slices.IsSorted(tc.Other) {
		t.Fatalf("other not sorted: %v", tc.Other)
	}
	if Summary(tc) == "" {
		t.Fatal("empty summary")
	}
}

var jsChanges struct {
	once sync.Once
	cs   []*format.Change
}

// jsTracker returns a tracker that has applied the JS history (read and
// parsed once per process).
func jsTracker(t testing.TB) *Tracker {
	jsChanges.once.Do(func() { _, jsChanges.cs = loadJS(t) })
	if jsChanges.cs == nil {
		t.Fatal("no JS history")
	}
	tr := NewTracker()
	applyAll(t, tr, jsChanges.cs)
	return tr
}

// FuzzApply feeds arbitrary change chunks to a tracker that holds the JS
// history, both through Apply and straight to the op attribution (which
// skips the seq check), so decoded ops hit real objects.
func FuzzApply(f *testing.F) {
	h, _ := loadJS(f)
	for _, c := range h.Changes {
		b, err := hex.DecodeString(c.Hex)
		must(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := format.ParseChange(data)
		if err != nil || c.NumOps > 1<<12 {
			return
		}
		tr := jsTracker(t)
		if tc, err := tr.Apply(c); err == nil {
			checkInvariants(t, tr, tc)
		}
		ops, err := c.Ops()
		if err != nil {
			t.Fatal(err)
		}
		actors := [][]byte{c.Actor}
		actors = append(actors, c.OtherActors...)
		checkInvariants(t, tr, tr.applyOps(actors, ops))
	})
}

// byteSource hands out fuzz input bytes, then zeros.
type byteSource []byte

func (s *byteSource) next() int {
	if len(*s) == 0 {
		return 0
	}
	b := (*s)[0]
	*s = (*s)[1:]
	return int(b)
}

// fuzzKeys are the map keys random ops use: the layer's own, and node ids.
var fuzzKeys = []string{"nodes", "name", "parent", "transform", "t", "components", "light", "schema", crateID, lampID, "zz"}

// randomOps turns data into up to 64 ops by actor 0 of tr's actor table
// on tr's objects (or unknown ones), with map keys, element keys, inserts
// and preds drawn from ids seen so far.
func randomOps(tr *Tracker, data []byte) ([][]byte, []format.Op) {
	src := byteSource(data)
	actors := make([][]byte, len(tr.actors.actors))
	for i, a := range tr.actors.actors {
		actors[i] = []byte(a)
	}
	var known []format.OpID
	for id := range tr.objIdx {
		known = append(known, format.OpID{Counter: id.ctr, Actor: int(id.actor)})
	}
	slices.SortFunc(known, func(a, b format.OpID) int {
		return cmp.Or(cmp.Compare(a.Counter, b.Counter), cmp.Compare(a.Actor, b.Actor))
	})
	pick := func() format.OpID { return known[src.next()%len(known)] }
	var ops []format.Op
	for ctr := uint64(1 << 20); len(src) > 0 && len(ops) < 64; ctr++ {
		op := format.Op{ID: format.OpID{Counter: ctr}, Obj: format.ObjID(pick()), Action: format.Action(src.next() % 9)}
		switch src.next() % 3 {
		case 0:
			op.Key = format.Key{MapKey: fuzzKeys[src.next()%len(fuzzKeys)], IsMap: true}
		case 1:
			op.Key = format.Key{Elem: pick()}
		}
		op.Insert = src.next()%2 == 0
		op.Value = format.Value{Type: format.TypeString, V: string(rune('a' + src.next()%26))}
		for range src.next() % 3 {
			op.Pred = append(op.Pred, pick())
		}
		ops = append(ops, op)
		known = append(known, op.ID)
	}
	return actors, ops
}

// FuzzTrackerOps applies random ops (odd structures automerge itself would
// not write) to a tracker holding the JS history: it must never panic and
// its Touch must stay well formed.
func FuzzTrackerOps(f *testing.F) {
	f.Add([]byte{1, 0, 0, 2, 1, 0, 0})
	f.Add([]byte("\x05\x01\x01\x03\x00\x10\x02\x07\x00\x01\x04\x02\x09\x03\x01\x01\x01\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := jsTracker(t)
		for len(data) > 0 {
			n := min(len(data), 1+int(data[0]))
			actors, ops := randomOps(tr, data[:n])
			checkInvariants(t, tr, tr.applyOps(actors, ops))
			data = data[n:]
		}
	})
}
