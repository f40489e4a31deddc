package history

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"atelier/crdt/format"
	"atelier/scene"
)

// Size of the benchmark history: scene.Populate's 10k nodes (1,000
// changes of ten) and 100k move changes of one transform element each.
const (
	benchNodes = 10_000
	benchMoves = 100_000
)

var bench struct {
	once sync.Once
	cs   []*format.Change
}

// benchHistory returns the benchmark history's changes, parsed, building
// it once per process (it takes automerge-go about ten seconds).
func benchHistory(b *testing.B) []*format.Change {
	bench.once.Do(func() {
		d, err := scene.NewLayerDoc()
		must(b, err)
		_, err = scene.Populate(d, benchNodes, benchMoves, rand.New(rand.NewPCG(1, 2)))
		must(b, err)
		bench.cs = parsed(b, d)
		// Let automerge-go's finalizers run now rather than during timing.
		runtime.GC()
		runtime.GC()
	})
	if bench.cs == nil {
		b.Fatal("no benchmark history")
	}
	return bench.cs
}

// heldBytes returns the live heap the tracker holds after applying cs.
func heldBytes(b *testing.B, cs []*format.Change) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr := NewTracker()
	for _, c := range cs {
		if _, err := tr.Apply(c); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(tr)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// BenchmarkTrackerApply applies the whole 10k-node, 101k-change history
// per iteration and reports the cost per change and the heap the tracker
// holds at the end ("B-held").
func BenchmarkTrackerApply(b *testing.B) {
	cs := benchHistory(b)
	held := heldBytes(b, cs)
	b.ReportAllocs()
	for b.Loop() {
		tr := NewTracker()
		for _, c := range cs {
			if _, err := tr.Apply(c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/change")
	b.ReportMetric(float64(held), "B-held")
	b.ReportMetric(float64(held)/benchNodes, "B-held/node")
}

// BenchmarkTrackerMove measures one move change (a transform element set)
// on a tracker that already holds the 10k-node history: the steady-state
// cost of the timeline. The same ops are re-applied, bypassing Apply's seq
// check.
func BenchmarkTrackerMove(b *testing.B) {
	cs := benchHistory(b)
	tr := NewTracker()
	applyAll(b, tr, cs)
	last := cs[len(cs)-1]
	ops, err := last.Ops()
	must(b, err)
	actors := [][]byte{last.Actor}
	b.ReportAllocs()
	for b.Loop() {
		tr.applyOps(actors, ops)
	}
}

// BenchmarkSummary measures Summary of a typical multi-node touch.
func BenchmarkSummary(b *testing.B) {
	tc := jsWant[12].touch
	b.ReportAllocs()
	for b.Loop() {
		_ = Summary(tc)
	}
}

// BenchmarkReplicaApply replays the whole 10k-node, 101k-change history
// into a Replica per iteration: the cost of materializing an old version
// without automerge-go, apart from reading the changes. B-held is the heap
// a replica of the whole history holds.
func BenchmarkReplicaApply(b *testing.B) {
	cs := benchHistory(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	held := NewReplica()
	for _, c := range cs {
		if err := held.Apply(c); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(held)
	held = nil
	b.ReportAllocs()
	for b.Loop() {
		r := NewReplica()
		for _, c := range cs {
			if err := r.Apply(c); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/change")
	b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "B-held")
}

// BenchmarkReplicaRoot reads the plain value of a 10k-node replica.
func BenchmarkReplicaRoot(b *testing.B) {
	cs := benchHistory(b)
	r := NewReplica()
	for _, c := range cs {
		if err := r.Apply(c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Root([]string{"schema", "nodes"}, 64, nil)
	}
}
