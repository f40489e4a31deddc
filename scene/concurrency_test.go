package scene

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
	"go.uber.org/goleak"
)

// The concurrency property test runs a few fixed seeds in the normal
// suite. For a long randomized run:
//
//	go test ./scene -run Concurrency -scene.long                 # ~60 s, time-based seed
//	go test ./scene -run Concurrency -scene.long -scene.iterations=5000
//	go test ./scene -run Concurrency -scene.seed=<seed>          # replay one failing seed
var (
	sceneLong       = flag.Bool("scene.long", false, "run the concurrency property test with a time-based seed for -scene.duration")
	sceneDuration   = flag.Duration("scene.duration", 60*time.Second, "how long -scene.long runs")
	sceneIterations = flag.Int("scene.iterations", 0, "with -scene.long, stop after this many iterations (0: run for -scene.duration)")
	sceneSeed       = flag.Uint64("scene.seed", 0, "run the concurrency property test once with this seed")
)

// TestConcurrencyProperty: replicas forked from one base apply random
// operations (concurrent reparents that form cycles, deletes of parents
// that another replica adds children under, reorders into the same gap,
// duplicates, moves between layers…), merge partially between rounds and
// fully at the end, in random orders. Every replica must then hold the same
// state and resolve it to the same valid tree, the one the golden rules
// (an independent, naive implementation below) predict. Each operation is
// also checked on its own replica when applied.
func TestConcurrencyProperty(t *testing.T) {
	defer goleak.VerifyNone(t)
	switch {
	case *sceneSeed != 0:
		runConcurrency(t, *sceneSeed, &concurrencyStats{})
	case *sceneLong:
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d (replay one iteration with -scene.seed=<seed+i>)", seed)
		deadline := time.Now().Add(*sceneDuration)
		var st concurrencyStats
		for ; time.Now().Before(deadline) && (*sceneIterations == 0 || st.runs < *sceneIterations); st.runs++ {
			runConcurrency(t, seed+uint64(st.runs), &st)
		}
		t.Logf("%+v", st)
	default:
		var st concurrencyStats
		for seed := uint64(1); seed <= 40; seed++ {
			runConcurrency(t, seed, &st)
			st.runs++
		}
		t.Logf("%+v", st)
	}
}

// concurrencyStats counts what the merged trees exercised, to show the
// random runs reach the interesting cases.
type concurrencyStats struct {
	runs, cycleBroken, orphans, orderTies, nodes int
}

// count adds one merged tree to the statistics.
func (st *concurrencyStats) count(tree *Tree) {
	st.nodes += len(tree.Nodes)
	for _, n := range tree.Nodes {
		if n.CycleBroken {
			st.cycleBroken++
		}
		if n.Orphan {
			st.orphans++
		}
	}
	tie := func(sibs []NodeID) {
		for i := 1; i < len(sibs); i++ {
			if tree.Nodes[sibs[i-1]].Order == tree.Nodes[sibs[i]].Order {
				st.orderTies++
			}
		}
	}
	tie(tree.Roots)
	for _, n := range tree.Nodes {
		tie(n.Children)
	}
}

// replica is one peer's copies of the two layers, L and M.
type replica struct {
	name string
	l, m *automerge.Doc
}

// crun is one iteration of the concurrency test.
type crun struct {
	t     *testing.T
	seed  uint64
	rng   *rand.Rand
	reps  []*replica
	log   []string
	ids   int
	when  time.Time
	stats *concurrencyStats
}

func (r *crun) fatalf(format string, args ...any) {
	r.t.Helper()
	tail := r.log[max(0, len(r.log)-25):]
	r.t.Fatalf("seed %d: %s\nlast operations:\n  %s", r.seed, fmt.Sprintf(format, args...), strings.Join(tail, "\n  "))
}

func (r *crun) must(err error) {
	r.t.Helper()
	if err != nil {
		r.fatalf("%v", err)
	}
}

func (r *crun) opt() OpOptions {
	return OpOptions{Author: "peer", Time: &r.when, NewID: r.newID}
}

// newID draws a canonical UUID whose first group is random, so new ids
// land anywhere in byte order (which decides ties and cycle breaks).
func (r *crun) newID() NodeID {
	r.ids++
	return NodeID(fmt.Sprintf("%08x-0000-4000-8000-%012x", r.rng.Uint32(), r.ids))
}

func runConcurrency(t *testing.T, seed uint64, st *concurrencyStats) {
	t.Helper()
	r := &crun{t: t, seed: seed, stats: st, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), when: time.UnixMilli(1_700_000_000_000)}
	baseL, baseM := r.base()
	for i := range 2 + r.rng.IntN(3) {
		rep := &replica{name: fmt.Sprintf("r%d", i), l: r.fork(baseL, i, 0), m: r.fork(baseM, i, 1)}
		r.reps = append(r.reps, rep)
	}
	r.conflicts()
	for range 1 + r.rng.IntN(3) {
		for _, rep := range r.reps {
			for range 1 + r.rng.IntN(5) {
				r.step(rep)
			}
		}
		r.partialMerge()
	}
	r.conflicts() // again, so some survive into the final state
	r.fullMerge()
	r.checkConverged(func(rep *replica) *automerge.Doc { return rep.l }, "L")
	r.checkConverged(func(rep *replica) *automerge.Doc { return rep.m }, "M")
}

// base makes layer L with a few nodes (orders that collide, are empty or
// are not fractional keys, as foreign writers leave them) and layer M with
// two.
func (r *crun) base() (*automerge.Doc, *automerge.Doc) {
	l, err := NewLayerDoc()
	r.must(err)
	orders := []string{"", "a0", "a1", "a1", "Z", "a0V"}
	var ids []NodeID
	for i := range 4 + r.rng.IntN(5) {
		n := Node{ID: r.newID(), Order: orders[r.rng.IntN(len(orders))], Name: fmt.Sprint("n", i),
			Components: map[string]map[string]any{"tag": {"v": int64(i)}}}
		if len(ids) > 0 && r.rng.IntN(3) > 0 {
			n.Parent = ids[r.rng.IntN(len(ids))]
		}
		r.must(AddNode(l, n))
		ids = append(ids, n.ID)
	}
	_, err = l.Commit("base")
	r.must(err)
	m, err := NewLayerDoc()
	r.must(err)
	for range 2 {
		_, err := CreateNode(m, Node{ID: r.newID()}, Position{}, r.opt())
		r.must(err)
	}
	return l, m
}

// fork copies a base layer for replica i with a deterministic actor id.
func (r *crun) fork(doc *automerge.Doc, i, layer int) *automerge.Doc {
	f, err := doc.Fork()
	r.must(err)
	r.must(f.SetActorID(fmt.Sprintf("%016x%08x%08x", r.seed, i, layer)))
	return f
}

// conflicts sets up the classic conflicts on two random replicas: a
// reparent cycle, a child added under a node another replica deletes, and
// two reorders into the same gap.
func (r *crun) conflicts() {
	pair := r.rng.Perm(len(r.reps))
	a, b := r.reps[pair[0]], r.reps[pair[1]]
	ta, tb := r.tree(a.l), r.tree(b.l)
	var ids []NodeID // nodes both replicas have
	for _, id := range sortedKeys(ta.Nodes) {
		if tb.Nodes[id] != nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	if x, y, ok := r.unrelated(ta, tb, ids); ok {
		r.reparent(a, x, y, Position{})
		r.reparent(b, y, x, Position{})
	}
	victim := ids[r.rng.IntN(len(ids))]
	if r.tree(a.l).Nodes[victim] != nil {
		r.create(a, victim, Position{})
	}
	r.delete(b, victim)
	if roots := r.tree(a.l).Roots; len(roots) >= 2 {
		gap := Position{After: roots[0], Before: roots[1]}
		for _, rep := range r.reps {
			if c := r.tree(rep.l).Roots; len(c) > 2 && c[0] == gap.After && c[1] == gap.Before {
				r.reorder(rep, c[len(c)-1], gap)
			}
		}
	}
}

// unrelated picks two nodes neither of which is under the other in
// either tree.
func (r *crun) unrelated(ta, tb *Tree, ids []NodeID) (NodeID, NodeID, bool) {
	apart := func(t *Tree, x, y NodeID) bool { return !isUnder(t, x, y) && !isUnder(t, y, x) }
	for _, i := range r.rng.Perm(len(ids)) {
		for _, j := range r.rng.Perm(len(ids)) {
			if x, y := ids[i], ids[j]; apart(ta, x, y) && apart(tb, x, y) {
				return x, y, true
			}
		}
	}
	return "", "", false
}

// step applies one random operation on replica rep.
func (r *crun) step(rep *replica) {
	tree := r.tree(rep.l)
	ids := sortedKeys(tree.Nodes)
	if len(ids) < 3 {
		r.create(rep, "", Position{})
		return
	}
	pick := func() NodeID { return ids[r.rng.IntN(len(ids))] }
	maybe := func() NodeID { // a node or the layer root
		if i := r.rng.IntN(len(ids) + 1); i < len(ids) {
			return ids[i]
		}
		return ""
	}
	switch r.rng.IntN(12) {
	case 0:
		p := maybe()
		r.create(rep, p, r.position(tree, p, ""))
	case 1:
		r.delete(rep, pick())
	case 2, 3:
		id, p := pick(), maybe()
		r.reparent(rep, id, p, r.position(tree, p, id))
	case 4, 5:
		id := pick()
		r.reorder(rep, id, r.position(tree, tree.Nodes[id].ResolvedParent, id))
	case 6:
		r.setProps(rep, pick())
	case 7, 8:
		r.components(rep, pick())
	case 9:
		p := maybe()
		r.duplicate(rep, pick(), p, r.position(tree, p, ""))
	default:
		r.move(rep, pick())
	}
}

// position draws a random Position among parent's children, excluding id.
func (r *crun) position(tree *Tree, parent, id NodeID) Position {
	var sibs []NodeID
	if parent == "" || tree.Nodes[parent] != nil {
		sibs = slices.DeleteFunc(slices.Clone(kids(tree, parent)), func(x NodeID) bool { return x == id })
	}
	if len(sibs) == 0 {
		return Position{}
	}
	i := r.rng.IntN(len(sibs))
	switch r.rng.IntN(5) {
	case 0:
		return Position{}
	case 1:
		return Position{After: sibs[i]}
	case 2:
		return Position{Before: sibs[i]}
	case 3:
		if i+1 < len(sibs) {
			return Position{After: sibs[i], Before: sibs[i+1]}
		}
		return Position{After: sibs[i]}
	}
	return Position{Order: []string{"a0", "a1", "Zz", "a0V", "x"}[r.rng.IntN(5)]}
}

// opDone logs an operation and fails on an error that is not allowed;
// for an allowed error it checks that nothing was written.
func (r *crun) opDone(what string, err error, before []automerge.ChangeHash, doc *automerge.Doc, allowed ...error) bool {
	r.t.Helper()
	r.log = append(r.log, fmt.Sprintf("%s -> %v", what, err))
	if err == nil {
		return true
	}
	for _, a := range allowed {
		if errors.Is(err, a) {
			if after := doc.Heads(); !slices.Equal(after, before) {
				r.fatalf("%s failed (%v) but wrote to the document", what, err)
			}
			return false
		}
	}
	r.fatalf("%s: unexpected error %v", what, err)
	return false
}

func (r *crun) tree(doc *automerge.Doc) *Tree {
	r.t.Helper()
	s, err := ReadLayer(doc)
	r.must(err)
	tree := Resolve(s)
	if err := treeErrors(s, tree); err != nil {
		r.fatalf("invalid tree: %v", err)
	}
	return tree
}

// isUnder reports whether x is y or a resolved descendant of y.
func isUnder(tree *Tree, x, y NodeID) bool {
	for cur := x; cur != ""; cur = tree.Nodes[cur].ResolvedParent {
		if cur == y {
			return true
		}
	}
	return false
}

// checkPlaced asserts id is a child of parent, placed as at says.
func (r *crun) checkPlaced(what string, tree *Tree, id, parent NodeID, at Position) {
	r.t.Helper()
	n := tree.Nodes[id]
	if n == nil || n.ResolvedParent != parent {
		r.fatalf("%s: %s is not under %q", what, id, parent)
	}
	sibs := kids(tree, parent)
	i := slices.Index(sibs, id)
	switch {
	case at.Order != "" && n.Order != at.Order:
		r.fatalf("%s: order %q, want %q", what, n.Order, at.Order)
	case at.After != "" && (i == 0 || sibs[i-1] != at.After):
		r.fatalf("%s: %s not right after %s in %v", what, id, at.After, sibs)
	case at.Before != "" && (i+1 >= len(sibs) || sibs[i+1] != at.Before):
		r.fatalf("%s: %s not right before %s in %v", what, id, at.Before, sibs)
	case at.IsZero() && i != len(sibs)-1:
		r.fatalf("%s: %s not last in %v", what, id, sibs)
	}
}

func (r *crun) create(rep *replica, parent NodeID, at Position) {
	id := r.newID()
	before := rep.l.Heads()
	_, err := CreateNode(rep.l, Node{ID: id, Parent: parent, Kind: KindMesh}, at, r.opt())
	what := fmt.Sprintf("%s create %s under %q at %+v", rep.name, id, parent, at)
	if r.opDone(what, err, before, rep.l) {
		r.checkPlaced(what, r.tree(rep.l), id, parent, at)
	}
}

func (r *crun) delete(rep *replica, id NodeID) {
	before, tree := rep.l.Heads(), r.tree(rep.l)
	_, err := DeleteSubtree(rep.l, id, r.opt())
	what := fmt.Sprintf("%s delete %s", rep.name, id)
	if !r.opDone(what, err, before, rep.l) {
		return
	}
	after := r.tree(rep.l)
	for x := range tree.Nodes {
		if _, kept := after.Nodes[x]; kept == isUnder(tree, x, id) {
			r.fatalf("%s: node %s kept=%v", what, x, kept)
		}
	}
}

func (r *crun) reparent(rep *replica, id, parent NodeID, at Position) {
	before := rep.l.Heads()
	_, err := Reparent(rep.l, id, parent, at, r.opt())
	what := fmt.Sprintf("%s reparent %s under %q at %+v", rep.name, id, parent, at)
	if r.opDone(what, err, before, rep.l, ErrWouldCycle) {
		r.checkPlaced(what, r.tree(rep.l), id, parent, at)
	}
}

func (r *crun) reorder(rep *replica, id NodeID, at Position) {
	before, parent := rep.l.Heads(), r.tree(rep.l).Nodes[id].ResolvedParent
	_, err := Reorder(rep.l, id, at, r.opt())
	what := fmt.Sprintf("%s reorder %s at %+v", rep.name, id, at)
	if r.opDone(what, err, before, rep.l) {
		r.checkPlaced(what, r.tree(rep.l), id, parent, at)
	}
}

func (r *crun) setProps(rep *replica, id NodeID) {
	name, x := fmt.Sprint("name", r.rng.IntN(100)), float64(r.rng.IntN(10))
	_, err := SetProperty(rep.l, id, PropName, name, r.opt())
	r.opDone(fmt.Sprintf("%s name %s = %s", rep.name, id, name), err, nil, rep.l)
	vec, i := []string{"t", "r", "s"}[r.rng.IntN(3)], r.rng.IntN(3)
	_, err = SetTransformElement(rep.l, id, vec, i, x, r.opt())
	r.opDone(fmt.Sprintf("%s %s.%s[%d] = %v", rep.name, id, vec, i, x), err, nil, rep.l)
	n := mustRead(r.t, rep.l).Nodes[id]
	if got := map[string][]float64{"t": n.Transform.T[:], "r": n.Transform.R[:], "s": n.Transform.S[:]}[vec][i]; n.Name != name || got != x {
		r.fatalf("%s: name %q, %s[%d] = %v after set", id, n.Name, vec, i, got)
	}
}

func (r *crun) components(rep *replica, id NodeID) {
	c := []string{"light", "audio"}[r.rng.IntN(2)]
	before := rep.l.Heads()
	var err error
	switch r.rng.IntN(3) {
	case 0:
		_, err = AddComponent(rep.l, id, c, map[string]any{"by": rep.name}, r.opt())
	case 1:
		_, err = RemoveComponent(rep.l, id, c, r.opt())
	default:
		_, err = SetComponentProperty(rep.l, id, c, "v", r.rng.IntN(9), r.opt())
	}
	r.opDone(fmt.Sprintf("%s component %s on %s", rep.name, c, id), err, before, rep.l, ErrComponentExists, ErrComponentNotFound)
}

func (r *crun) duplicate(rep *replica, id, parent NodeID, at Position) {
	before, tree := rep.l.Heads(), r.tree(rep.l)
	ids, _, err := DuplicateSubtree(rep.l, id, parent, at, r.opt())
	what := fmt.Sprintf("%s duplicate %s under %q at %+v", rep.name, id, parent, at)
	if !r.opDone(what, err, before, rep.l) {
		return
	}
	after := r.tree(rep.l)
	r.checkPlaced(what, after, ids[id], parent, at)
	for old, nw := range ids {
		if old != id && after.Nodes[nw].ResolvedParent != ids[tree.Nodes[old].ResolvedParent] {
			r.fatalf("%s: copy of %s misplaced", what, old)
		}
	}
}

// move moves a subtree from L to M or back, under a random parent.
func (r *crun) move(rep *replica, id NodeID) {
	src, dst := rep.l, rep.m
	if r.rng.IntN(2) == 0 {
		if ids := sortedKeys(r.tree(rep.m).Nodes); len(ids) > 0 {
			src, dst, id = rep.m, rep.l, ids[r.rng.IntN(len(ids))]
		}
	}
	dtree := r.tree(dst)
	parent := append(sortedKeys(dtree.Nodes), "")[r.rng.IntN(len(dtree.Nodes)+1)]
	hs, hd := src.Heads(), dst.Heads()
	res, err := MoveSubtree(src, dst, id, parent, Position{}, MoveOptions{OpOptions: r.opt()})
	what := fmt.Sprintf("%s move %s under %q", rep.name, id, parent)
	if !r.opDone(what, err, hd, dst, ErrNodeExists, ErrWouldCycle) {
		if !slices.Equal(src.Heads(), hs) {
			r.fatalf("%s failed but wrote to the source", what)
		}
		return
	}
	stree, after := r.tree(src), r.tree(dst)
	for _, x := range res.Nodes {
		if stree.Nodes[x] != nil || after.Nodes[x] == nil {
			r.fatalf("%s: %s still in source or missing in destination", what, x)
		}
	}
	r.checkPlaced(what, after, id, parent, Position{})
}

// partialMerge merges a few random replicas into others.
func (r *crun) partialMerge() {
	for range r.rng.IntN(len(r.reps) + 1) {
		a, b := r.reps[r.rng.IntN(len(r.reps))], r.reps[r.rng.IntN(len(r.reps))]
		if a != b {
			r.merge(a, b)
		}
	}
}

// fullMerge has every replica, in random order, merge every other in
// random order; each replica's own changes are always in its own docs,
// so afterwards every replica has every change.
func (r *crun) fullMerge() {
	for _, i := range r.rng.Perm(len(r.reps)) {
		for _, j := range r.rng.Perm(len(r.reps)) {
			if i != j {
				r.merge(r.reps[i], r.reps[j])
			}
		}
	}
}

func (r *crun) merge(into, from *replica) {
	r.log = append(r.log, fmt.Sprintf("merge %s into %s", from.name, into.name))
	_, err := into.l.Merge(from.l)
	r.must(err)
	_, err = into.m.Merge(from.m)
	r.must(err)
}

// checkConverged asserts every replica's copy of one layer has the same
// heads, state and tree, valid and as the golden rules predict.
func (r *crun) checkConverged(layer func(*replica) *automerge.Doc, name string) {
	r.t.Helper()
	var want string
	for i, rep := range r.reps {
		doc := layer(rep)
		s, err := ReadLayer(doc)
		r.must(err)
		tree := Resolve(s)
		if err := treeErrors(s, tree); err != nil {
			r.fatalf("layer %s on %s: invalid tree: %v", name, rep.name, err)
		}
		if err := goldenRules(s, tree); err != nil {
			r.fatalf("layer %s on %s: %v", name, rep.name, err)
		}
		got := treeJSON(r.t, tree)
		if i == 0 {
			want = got
			r.stats.count(tree)
		} else if got != want {
			r.fatalf("layer %s: %s resolves differently from %s:\n%s\n%s", name, rep.name, r.reps[0].name, got, want)
		}
		if !slices.Equal(doc.Heads(), layer(r.reps[0]).Heads()) {
			r.fatalf("layer %s: %s has other heads than %s", name, rep.name, r.reps[0].name)
		}
	}
}

// goldenRules recomputes the tree rules naively, straight from their
// statement in docs/scene-schema.md, and compares with tree: parent "" or
// missing → root (orphan if missing); in each cycle of declared parents the
// smallest id → root (cycleBroken); siblings by (order, id).
func goldenRules(s *LayerState, tree *Tree) error {
	parent := map[NodeID]NodeID{}
	for id, n := range s.Nodes {
		p := n.Parent
		if _, ok := s.Nodes[p]; p != "" && ok && !smallestOnCycle(s, id) {
			parent[id] = p
		} else {
			parent[id] = ""
		}
	}
	byParent := map[NodeID][]NodeID{"": {}}
	for _, id := range sortedKeys(s.Nodes) {
		byParent[parent[id]] = append(byParent[parent[id]], id)
	}
	for p := range byParent {
		slices.SortStableFunc(byParent[p], func(a, b NodeID) int { return strings.Compare(s.Nodes[a].Order, s.Nodes[b].Order) })
	}
	if !slices.Equal(byParent[""], tree.Roots) {
		return fmt.Errorf("golden roots %v, tree %v", byParent[""], tree.Roots)
	}
	for id, rn := range tree.Nodes {
		if rn.ResolvedParent != parent[id] || !slices.Equal(rn.Children, append([]NodeID{}, byParent[id]...)) {
			return fmt.Errorf("node %s: golden parent %q children %v, tree %q %v", id, parent[id], byParent[id], rn.ResolvedParent, rn.Children)
		}
	}
	return nil
}

// smallestOnCycle reports whether following declared parents from id
// returns to id, and id is the smallest id on that loop.
func smallestOnCycle(s *LayerState, id NodeID) bool {
	cur := id
	for range len(s.Nodes) {
		n := s.Nodes[cur]
		if _, ok := s.Nodes[n.Parent]; n.Parent == "" || !ok {
			return false
		}
		cur = n.Parent
		if cur < id {
			return false
		}
		if cur == id {
			return true
		}
	}
	return false
}
