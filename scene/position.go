package scene

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// Position says where among its (new) siblings an operation places a node.
// Siblings are the node's future parent's children in the current resolved
// tree, without the node itself.
//
//   - The zero Position places the node after the last sibling.
//   - After places it immediately after that sibling; Before immediately
//     before it; with both, they must be adjacent siblings (After directly
//     followed by Before), which lets a client say exactly which gap it
//     meant and get ErrInvalidPosition if its view was stale.
//   - Order writes that order key verbatim (any string, not necessarily a
//     fractional-index key) and excludes After and Before.
//
// Otherwise the operation computes the node's order with KeyBetween from
// its neighbours' orders. When that is impossible, because two neighbours
// share a key (concurrent inserts into the same gap) or a neighbour's order
// is not a fractional-index key (a foreign writer, or the default ""), the
// operation also rewrites the order of the fewest siblings next to the gap,
// widening the gap one sibling at a time until its bounds are valid and
// distinct. Those siblings are listed as "rekeyed" in the commit message.
// The result is deterministic for a given state.
type Position struct {
	After  NodeID `json:"after,omitempty"`
	Before NodeID `json:"before,omitempty"`
	Order  string `json:"order,omitempty"`
}

// IsZero reports whether p is the zero Position (after the last sibling).
func (p Position) IsZero() bool {
	return p == Position{}
}

// validate checks what can be checked without the layer.
func (p Position) validate() error {
	if p.Order != "" && (p.After != "" || p.Before != "") {
		return fmt.Errorf("%w: an explicit order excludes after/before", ErrInvalidPosition)
	}
	if !utf8.ValidString(p.Order) {
		return fmt.Errorf("%w: order is invalid UTF-8", ErrInvalidValue)
	}
	return nil
}

// orderWrite is one sibling whose order an operation rewrites.
type orderWrite struct {
	id    NodeID
	order string
	m     *automerge.Map
}

// placement is where an operation puts a node: its order and the siblings
// re-keyed to make room.
type placement struct {
	order  string
	rekeys []orderWrite
}

// write writes the re-keyed siblings' orders.
func (p placement) write() error {
	for _, w := range p.rekeys {
		if err := w.m.Set("order", w.order); err != nil {
			return fmt.Errorf("scene: write order of %s: %w", w.id, err)
		}
	}
	return nil
}

// rekeyed lists the re-keyed siblings for the commit message.
func (p placement) rekeyed() []NodeID {
	if len(p.rekeys) == 0 {
		return nil
	}
	out := make([]NodeID, len(p.rekeys))
	for i, w := range p.rekeys {
		out[i] = w.id
	}
	return out
}

// sibling is one sibling and its current order.
type sibling struct {
	id    NodeID
	order string
}

// place computes where node id goes among the resolved children of parent
// ("" = root), which must exist. id need not be a node yet.
func (s *snapshot) place(id, parent NodeID, at Position) (placement, error) {
	if err := at.validate(); err != nil {
		return placement{}, err
	}
	if at.Order != "" {
		return placement{order: at.Order}, nil
	}
	var sibs []sibling
	for _, c := range s.children(parent) {
		if c != id {
			sibs = append(sibs, sibling{c, s.state.Nodes[c].Order})
		}
	}
	i, err := gapIndex(sibs, id, parent, at)
	if err != nil {
		return placement{}, err
	}
	order, rekeys := keysForGap(sibs, i)
	for j := range rekeys {
		m, err := nodeMap(s.nodes, rekeys[j].id)
		if err != nil {
			return placement{}, err
		}
		rekeys[j].m = m
	}
	return placement{order: order, rekeys: rekeys}, nil
}

// gapIndex returns the index in sibs before which at puts the node.
func gapIndex(sibs []sibling, id, parent NodeID, at Position) (int, error) {
	find := func(x NodeID) (int, error) {
		i := slices.IndexFunc(sibs, func(s sibling) bool { return s.id == x })
		if i < 0 || x == id {
			return 0, fmt.Errorf("%w: %s is not another child of %q", ErrInvalidPosition, x, parent)
		}
		return i, nil
	}
	switch {
	case at.After != "":
		i, err := find(at.After)
		if err != nil {
			return 0, err
		}
		if at.Before != "" && (i+1 >= len(sibs) || sibs[i+1].id != at.Before) {
			if _, err := find(at.Before); err != nil {
				return 0, err
			}
			return 0, fmt.Errorf("%w: %s does not directly follow %s", ErrInvalidPosition, at.Before, at.After)
		}
		return i + 1, nil
	case at.Before != "":
		return find(at.Before)
	}
	return len(sibs), nil
}

// keysForGap computes the order of a node inserted before sibs[i] (sorted
// by order, then id) and the sibling re-keys it needs: it widens the gap
// (lo, hi) until its bounds are usable and distinct, then spreads fresh
// keys over the node and the siblings inside the gap.
func keysForGap(sibs []sibling, i int) (string, []orderWrite) {
	lo, hi := i-1, i
	for {
		a, aok := lowBound(sibs, lo)
		b, bok := highBound(sibs, hi)
		if aok && bok {
			if keys, err := NKeysBetween(a, b, hi-lo); err == nil {
				return assignGap(sibs, lo, hi, i, keys)
			}
		}
		switch {
		case !aok:
			lo--
		case !bok || hi < len(sibs):
			hi++
		default:
			lo--
		}
	}
}

// lowBound is the lower bound the sibling at lo gives a gap: its order, or
// "" (unbounded) at the start. "" is a fine lower bound (every key is
// above it); an order that is not a key is not.
func lowBound(sibs []sibling, lo int) (string, bool) {
	if lo < 0 {
		return "", true
	}
	o := sibs[lo].order
	return o, o == "" || isOrderKey(o)
}

// highBound is the upper bound the sibling at hi gives a gap: its order,
// or "" (unbounded) past the end. An order of "" is not an upper bound.
func highBound(sibs []sibling, hi int) (string, bool) {
	if hi >= len(sibs) {
		return "", true
	}
	o := sibs[hi].order
	return o, isOrderKey(o)
}

// assignGap hands keys out, in order, to sibs[lo+1:i], the new node and
// sibs[i:hi]; siblings whose key is unchanged are not rewritten.
func assignGap(sibs []sibling, lo, hi, i int, keys []string) (string, []orderWrite) {
	var order string
	var rekeys []orderWrite
	k := 0
	for j := lo + 1; j <= hi; j++ {
		if j == i {
			order = keys[k]
			k++
		}
		if j < hi {
			if sibs[j].order != keys[k] {
				rekeys = append(rekeys, orderWrite{id: sibs[j].id, order: keys[k]})
			}
			k++
		}
	}
	return order, rekeys
}
