package crdt

// Clock maps an actor (its index in a Graph) to a seq: the set of changes
// {(a, s) : s <= Clock[a]}. Since each actor's changes form a chain, the
// ancestor set of any heads is exactly such a set. Missing trailing entries
// are zero.
type Clock []uint32

// Get returns the clock's seq for actor a.
func (c Clock) Get(a int32) uint32 {
	if int(a) < len(c) {
		return c[a]
	}
	return 0
}

// Covers reports whether change (a, seq) is in the set.
func (c Clock) Covers(a int32, seq uint32) bool { return seq <= c.Get(a) }

// Raise sets actor a's entry to seq if that is higher, growing the clock as
// needed, and returns the (possibly reallocated) clock.
func (c Clock) Raise(a int32, seq uint32) Clock {
	for int(a) >= len(c) {
		c = append(c, 0)
	}
	if seq > c[a] {
		c[a] = seq
	}
	return c
}

// Merge raises c to include every change in o and returns it.
func (c Clock) Merge(o Clock) Clock {
	for a, s := range o {
		if s > 0 {
			c = c.Raise(int32(a), s)
		}
	}
	return c
}

// Clone returns an independent copy.
func (c Clock) Clone() Clock { return append(Clock(nil), c...) }
