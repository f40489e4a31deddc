package crdt

import (
	"bytes"
	"fmt"
	"slices"

	"atelier/crdt/format"
)

// Hash is a change hash; the engine uses the format package's type.
type Hash = format.ChangeHash

// gnode is one change in the graph. Its index in Graph.nodes is its ordinal-1,
// and since a change is added only after its dependencies, index order is a
// topological order.
type gnode struct {
	hash     Hash
	depsFrom uint32 // this node's dependencies are Graph.deps[depsFrom:depsTo]
	depsTo   uint32
	actor    int32
	seq      uint32
	size     uint32 // bytes of the change chunk
}

// Graph is a document's change DAG: every change's hash, dependencies, actor
// and seq, indexed for the sync engine. It holds no change bytes. A Graph is
// owned by one goroutine (the document loop) and is not safe for concurrent use.
type Graph struct {
	nodes    []gnode
	deps     []int32 // every node's dependency indexes, back to back (one allocation, not one per node)
	byHash   map[Hash]int32
	actors   [][]byte
	actorIdx map[string]int32
	chains   [][]int32 // per actor: node index of seq 1, 2, …
	heads    []int32   // nodes without children, sorted by hash
	visit    []uint32  // visit[i] == gen marks node i as visited in the current search
	gen      uint32
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{byHash: map[Hash]int32{}, actorIdx: map[string]int32{}}
}

// Len returns the number of changes.
func (g *Graph) Len() int { return len(g.nodes) }

// NumActors returns the number of distinct actors.
func (g *Graph) NumActors() int { return len(g.actors) }

// Lookup returns the index of the change with hash h.
func (g *Graph) Lookup(h Hash) (int32, bool) {
	i, ok := g.byHash[h]
	return i, ok
}

// Has reports whether the graph holds the change with hash h.
func (g *Graph) Has(h Hash) bool {
	_, ok := g.byHash[h]
	return ok
}

// HashAt returns the hash of the change at index i.
func (g *Graph) HashAt(i int32) Hash { return g.nodes[i].hash }

// ActorSeq returns the actor index and seq of the change at index i.
func (g *Graph) ActorSeq(i int32) (int32, uint32) { return g.nodes[i].actor, g.nodes[i].seq }

// SizeAt returns the size in bytes of the change at index i.
func (g *Graph) SizeAt(i int32) int { return int(g.nodes[i].size) }

// DepsAt returns the dependency indexes of the change at index i.
func (g *Graph) DepsAt(i int32) []int32 {
	n := &g.nodes[i]
	return g.deps[n.depsFrom:n.depsTo:n.depsTo]
}

// Heads returns the current heads, sorted.
func (g *Graph) Heads() []Hash {
	out := make([]Hash, len(g.heads))
	for i, n := range g.heads {
		out[i] = g.nodes[n].hash
	}
	return out
}

// Clock returns the clock of the whole graph: every actor's highest seq.
func (g *Graph) Clock() Clock {
	c := make(Clock, len(g.chains))
	for a, ch := range g.chains {
		c[a] = uint32(len(ch))
	}
	return c
}

// Add appends a change whose dependencies are all in the graph and returns
// its index. It enforces the actor chain rule: seq must be one more than the
// actor's last seq, and that previous change must be an ancestor of deps.
func (g *Graph) Add(h Hash, deps []Hash, actor []byte, seq uint64, size int) (int32, error) {
	if _, dup := g.byHash[h]; dup {
		return 0, fmt.Errorf("change %s already present", h)
	}
	di := make([]int32, len(deps))
	for k, d := range deps {
		i, ok := g.byHash[d]
		if !ok {
			return 0, fmt.Errorf("change %s: dependency %s missing", h, d)
		}
		di[k] = i
	}
	a := g.actorIndex(actor)
	if err := g.checkChain(a, seq, di); err != nil {
		return 0, fmt.Errorf("change %s: %w", h, err)
	}
	idx := int32(len(g.nodes))
	from := uint32(len(g.deps))
	g.deps = append(g.deps, di...)
	g.nodes = append(g.nodes, gnode{hash: h, depsFrom: from, depsTo: uint32(len(g.deps)), actor: a, seq: uint32(seq), size: uint32(size)})
	g.byHash[h] = idx
	g.chains[a] = append(g.chains[a], idx)
	g.updateHeads(idx, di)
	return idx, nil
}

func (g *Graph) actorIndex(actor []byte) int32 {
	if a, ok := g.actorIdx[string(actor)]; ok {
		return a
	}
	a := int32(len(g.actors))
	g.actors = append(g.actors, bytes.Clone(actor))
	g.actorIdx[string(actor)] = a
	g.chains = append(g.chains, nil)
	return a
}

// checkChain verifies that (a, seq) continues actor a's chain.
func (g *Graph) checkChain(a int32, seq uint64, deps []int32) error {
	have := uint64(len(g.chains[a]))
	if seq != have+1 {
		return fmt.Errorf("%w: seq %d after %d", ErrActorChain, seq, have)
	}
	if seq == 1 {
		return nil
	}
	prev := g.chains[a][seq-2]
	if !g.reaches(deps, prev) {
		return fmt.Errorf("%w: seq %d does not depend on seq %d", ErrActorChain, seq, seq-1)
	}
	return nil
}

// reaches reports whether target is among from or their ancestors. Since
// index order is topological, the search never visits nodes older than target.
func (g *Graph) reaches(from []int32, target int32) bool {
	g.newSearch()
	stack := append([]int32(nil), from...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == target {
			return true
		}
		if n < target || !g.firstVisit(n) {
			continue
		}
		stack = append(stack, g.DepsAt(n)...)
	}
	return false
}

// newSearch starts a graph search: no node counts as visited.
func (g *Graph) newSearch() {
	if len(g.visit) < len(g.nodes) {
		g.visit = append(g.visit, make([]uint32, len(g.nodes)-len(g.visit))...)
	}
	g.gen++
	if g.gen == 0 { // wrapped: forget every old mark
		clear(g.visit)
		g.gen = 1
	}
}

// firstVisit marks node n visited and reports whether it was not yet.
func (g *Graph) firstVisit(n int32) bool {
	if g.visit[n] == g.gen {
		return false
	}
	g.visit[n] = g.gen
	return true
}

// updateHeads replaces idx's dependencies among the heads by idx, keeping
// the heads sorted by hash: O(heads) per change, without re-sorting.
func (g *Graph) updateHeads(idx int32, deps []int32) {
	heads := slices.Clone(g.heads) // Mark holds the previous slice
	for _, d := range deps {
		if i, found := g.headPos(heads, g.nodes[d].hash); found {
			heads = slices.Delete(heads, i, i+1)
		}
	}
	i, _ := g.headPos(heads, g.nodes[idx].hash)
	g.heads = slices.Insert(heads, i, idx)
}

func (g *Graph) headPos(heads []int32, h Hash) (int, bool) {
	return slices.BinarySearchFunc(heads, h, func(n int32, h Hash) int { return bytes.Compare(g.nodes[n].hash[:], h[:]) })
}

// graphMark records a graph's size and heads so that staged additions can be
// rolled back if the store refuses them.
type graphMark struct {
	n      int
	heads  []int32
	actors int
}

// Mark returns a point Rollback can return to.
func (g *Graph) Mark() graphMark {
	return graphMark{n: len(g.nodes), heads: g.heads, actors: len(g.actors)} // g.heads is never modified in place
}

// Rollback removes every change added since m.
func (g *Graph) Rollback(m graphMark) {
	for i := len(g.nodes) - 1; i >= m.n; i-- {
		n := g.nodes[i]
		delete(g.byHash, n.hash)
		g.chains[n.actor] = g.chains[n.actor][:n.seq-1]
	}
	if m.n < len(g.nodes) {
		g.deps = g.deps[:g.nodes[m.n].depsFrom]
	}
	g.nodes = g.nodes[:m.n]
	for a := len(g.actors) - 1; a >= m.actors; a-- {
		delete(g.actorIdx, string(g.actors[a]))
	}
	g.actors, g.chains = g.actors[:m.actors], g.chains[:m.actors]
	g.heads = m.heads
}

// ClockOf returns base raised by the ancestors of hashes (base itself is not
// modified). The search does not descend below changes base covers, so its
// cost is the number of changes between base and hashes. When base holds
// only changes a peer has and hashes are the peer's heads, the result holds
// only changes the peer has (it may miss some it has, never the reverse).
// Unknown hashes are skipped and reported by ok=false.
func (g *Graph) ClockOf(hashes []Hash, base Clock) (Clock, bool) {
	return g.RaiseTo(base.Clone(), hashes)
}

// RaiseTo is ClockOf that raises c in place (and returns it, grown as needed).
func (g *Graph) RaiseTo(c Clock, hashes []Hash) (Clock, bool) {
	if g.isHeads(hashes) { // a peer in sync: no search at all
		for a, chain := range g.chains {
			c = c.Raise(int32(a), uint32(len(chain)))
		}
		return c, true
	}
	base, ok := c.Clone(), true
	g.newSearch()
	stack := make([]int32, 0, len(hashes))
	for _, h := range hashes {
		i, known := g.byHash[h]
		if !known {
			ok = false
			continue
		}
		stack = append(stack, i)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := g.nodes[i]
		if base.Covers(n.actor, n.seq) || !g.firstVisit(i) {
			continue
		}
		c = c.Raise(n.actor, n.seq)
		stack = append(stack, g.DepsAt(i)...)
	}
	return c, ok
}

// isHeads reports whether hashes are exactly the current heads (in order).
func (g *Graph) isHeads(hashes []Hash) bool {
	if len(hashes) != len(g.heads) || len(hashes) == 0 {
		return false
	}
	for i, n := range g.heads {
		if g.nodes[n].hash != hashes[i] {
			return false
		}
	}
	return true
}

// Since returns, in topological order, the indexes of every change not in c.
func (g *Graph) Since(c Clock) []int32 {
	var out []int32
	for a, chain := range g.chains {
		from := c.Get(int32(a))
		if int(from) < len(chain) {
			out = append(out, chain[from:]...)
		}
	}
	slices.Sort(out)
	return out
}

// CountSince returns len(g.Since(c)) without building the list.
func (g *Graph) CountSince(c Clock) int {
	n := 0
	for a, chain := range g.chains {
		if from := int(c.Get(int32(a))); from < len(chain) {
			n += len(chain) - from
		}
	}
	return n
}
