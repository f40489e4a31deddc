package scene

import (
	"fmt"
	"math/rand/v2"

	"github.com/automerge/automerge-go"
	"github.com/google/uuid"
)

// Populate fills a layer document with a synthetic scene for demos, load
// tests and benchmarks: nodes nodes, ten per change, every tenth a parent of
// the next nine; then moves changes, each setting one element of a random
// node's translation. It commits as it goes and returns the node ids.
func Populate(doc *automerge.Doc, nodes, moves int, rng *rand.Rand) ([]NodeID, error) {
	ids := make([]NodeID, nodes)
	for i := range ids {
		ids[i] = NodeID(uuid.NewString())
		n := Node{ID: ids[i], Name: fmt.Sprintf("Node %d", i), Kind: KindMesh, Order: fmt.Sprintf("a%d", i%10)}
		if i%10 != 0 {
			n.Parent = ids[i-i%10]
		}
		if err := AddNode(doc, n); err != nil {
			return nil, err
		}
		if i%10 == 9 || i == nodes-1 {
			if _, err := doc.Commit(fmt.Sprintf("add nodes %d-%d", i-i%10, i)); err != nil {
				return nil, err
			}
		}
	}
	for range moves {
		id := ids[rng.IntN(len(ids))]
		if err := doc.Path("nodes", string(id), "transform", "t", rng.IntN(3)).Set(rng.Float64() * 100); err != nil {
			return nil, err
		}
		if _, err := doc.Commit("move"); err != nil {
			return nil, err
		}
	}
	return ids, nil
}
