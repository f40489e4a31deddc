package scene

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/automerge/automerge-go"
)

// benchLayer is a Populate'd layer of n nodes (ten per group) and its ids.
func benchLayer(b *testing.B, n int) (*automerge.Doc, []NodeID) {
	b.Helper()
	doc := newLayer(b)
	ids, err := Populate(doc, n, 0, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		b.Fatal(err)
	}
	return doc, ids
}

// BenchmarkSetTransformElement is the hot path of a drag: one element of
// one node, independent of the layer's size.
func BenchmarkSetTransformElement(b *testing.B) {
	doc, ids := benchLayer(b, 10_000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := SetTransformElement(doc, ids[i%len(ids)], "t", i%3, float64(i), OpOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStructuralOps measures the operations that read the layer's
// structure (every node's parent and order) on layers of two sizes.
func BenchmarkStructuralOps(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		doc, ids := benchLayer(b, n)
		b.Run(fmt.Sprintf("Reorder/nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				g := (i % (n / 10)) * 10 // a group's parent; its children are g+1…g+9
				if _, err := Reorder(doc, ids[g+1+i%9], Position{After: ids[g+1+(i+4)%9]}, OpOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Reparent/nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				g := (i % (n / 10)) * 10
				if _, err := Reparent(doc, ids[g+1], ids[(g+10)%n], Position{}, OpOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
