package crdt

// rawCache keeps the bytes of a document's most recently accepted changes,
// first in first out within a byte budget, so fan-out and short catch-ups
// need no store reads.
type rawCache struct {
	m      map[int32][]byte
	order  []int32
	bytes  int
	budget int
}

func newRawCache(budget int) *rawCache {
	return &rawCache{m: map[int32][]byte{}, budget: budget}
}

func (c *rawCache) get(i int32) ([]byte, bool) {
	b, ok := c.m[i]
	return b, ok
}

func (c *rawCache) put(i int32, b []byte) {
	if _, ok := c.m[i]; ok || len(b) > c.budget {
		return
	}
	c.m[i] = b
	c.order = append(c.order, i)
	c.bytes += len(b)
	for c.bytes > c.budget && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.bytes -= len(c.m[old])
		delete(c.m, old)
	}
}
