package crdt

import (
	"errors"
	"slices"
	"testing"
)

func h(b byte) Hash { return Hash{b} }

// A small DAG: two actors, a fork and a merge.
//
//	1(a1) ─ 2(a2) ─┬─ 3(a3) ──┬─ 5(b2)
//	               └─ 4(b1) ──┘
func testGraph(t *testing.T) *Graph {
	t.Helper()
	g := NewGraph()
	adds := []struct {
		hash  byte
		deps  []byte
		actor string
		seq   uint64
	}{
		{1, nil, "a", 1}, {2, []byte{1}, "a", 2}, {3, []byte{2}, "a", 3}, {4, []byte{2}, "b", 1}, {5, []byte{3, 4}, "b", 2},
	}
	for _, a := range adds {
		var deps []Hash
		for _, d := range a.deps {
			deps = append(deps, h(d))
		}
		if _, err := g.Add(h(a.hash), deps, []byte(a.actor), a.seq, 100); err != nil {
			t.Fatalf("add %d: %v", a.hash, err)
		}
	}
	return g
}

func TestGraphHeadsAndClock(t *testing.T) {
	g := testGraph(t)
	if got := g.Heads(); !slices.Equal(got, []Hash{h(5)}) {
		t.Fatalf("heads %v", got)
	}
	cases := []struct {
		name  string
		heads []Hash
		want  Clock
	}{
		{"empty", nil, Clock{}},
		{"root", []Hash{h(1)}, Clock{1}},
		{"fork side b", []Hash{h(4)}, Clock{2, 1}},
		{"fork both", []Hash{h(3), h(4)}, Clock{3, 1}},
		{"merge", []Hash{h(5)}, Clock{3, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := g.ClockOf(tc.heads, nil)
			if !ok {
				t.Fatal("unknown hash reported")
			}
			for a := range max(len(got), len(tc.want)) {
				if got.Get(int32(a)) != tc.want.Get(int32(a)) {
					t.Fatalf("clock %v, want %v", got, tc.want)
				}
			}
		})
	}
	if _, ok := g.ClockOf([]Hash{h(99)}, nil); ok {
		t.Fatal("unknown hash not reported")
	}
}

func TestGraphSince(t *testing.T) {
	g := testGraph(t)
	c, _ := g.ClockOf([]Hash{h(3)}, nil)
	got := g.Since(c)
	if want := []int32{3, 4}; !slices.Equal(got, want) { // indexes of hashes 4 and 5
		t.Fatalf("since %v, want %v", got, want)
	}
	if g.CountSince(c) != 2 || g.CountSince(nil) != 5 {
		t.Fatal("CountSince disagrees with Since")
	}
}

func TestGraphChainRule(t *testing.T) {
	cases := []struct {
		name string
		deps []Hash
		seq  uint64
	}{
		{"skipped seq", []Hash{h(5)}, 4},
		{"reused seq", []Hash{h(5)}, 2},
		{"does not depend on previous", []Hash{h(1)}, 3}, // b's seq 3 must descend from b's seq 2 (hash 5)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := testGraph(t)
			_, err := g.Add(h(9), tc.deps, []byte("b"), tc.seq, 100)
			if !errors.Is(err, ErrActorChain) {
				t.Fatalf("err %v, want ErrActorChain", err)
			}
			if g.Len() != 5 || g.Has(h(9)) {
				t.Fatal("refused change was added")
			}
		})
	}
	g := testGraph(t)
	if _, err := g.Add(h(9), []Hash{h(42)}, []byte("c"), 1, 100); err == nil {
		t.Fatal("missing dependency accepted")
	}
}

func TestGraphRollback(t *testing.T) {
	g := testGraph(t)
	m := g.Mark()
	if _, err := g.Add(h(6), []Hash{h(5)}, []byte("c"), 1, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Add(h(7), []Hash{h(6)}, []byte("a"), 4, 100); err != nil {
		t.Fatal(err)
	}
	g.Rollback(m)
	if g.Len() != 5 || g.Has(h(6)) || g.Has(h(7)) || g.NumActors() != 2 || !slices.Equal(g.Heads(), []Hash{h(5)}) {
		t.Fatalf("rollback left len=%d actors=%d heads=%v", g.Len(), g.NumActors(), g.Heads())
	}
	if _, err := g.Add(h(8), []Hash{h(5)}, []byte("a"), 4, 100); err != nil {
		t.Fatalf("actor a's chain not restored: %v", err)
	}
}
