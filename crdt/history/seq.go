package history

import (
	"slices"
	"strings"
)

// maxSeqElems caps the elements (tombstones included) a tracked list or
// name text may hold. Past it the sequence is dropped: later ops on it
// resolve to the list's path without an index, and a name reads as "".
// Transform lists hold 3 or 4 elements; this bounds the work and memory a
// huge component list or text can cost.
const maxSeqElems = 1024

// elem is one element of a list or text: its id (the op that inserted it)
// and val, one of its live value ops (zero when it has none, which makes it
// a tombstone). Further live values (concurrent sets) live in seq.extra.
type elem struct {
	id  opID
	val opID
}

// seq is the element order of one list or text object, maintained with
// automerge's RGA rules.
type seq struct {
	elems []elem
	chars []string        // each element's character; only for a name text
	extra map[opID][]opID // element id → live values besides elem.val
	hint  int             // position of the last element found or inserted
	text  bool            // keep chars
	lost  bool            // grew past maxSeqElems: no indexes any more
}

// find returns the position of the element with the given id, or -1.
func (s *seq) find(id opID) int {
	for _, p := range [...]int{s.hint, s.hint + 1} {
		if p >= 0 && p < len(s.elems) && s.elems[p].id == id {
			s.hint = p
			return p
		}
	}
	for p := range s.elems {
		if s.elems[p].id == id {
			s.hint = p
			return p
		}
	}
	return -1
}

// index returns the number of visible elements before position pos: the
// list index of the element at pos.
func (s *seq) index(pos int) int {
	n := 0
	for _, e := range s.elems[:pos] {
		if !e.val.isZero() {
			n++
		}
	}
	return n
}

// insert adds element id after the element ref (the head when ref is
// zero) and returns its list index. Concurrent inserts after the same
// element sort by id, greatest first: starting after ref, automerge skips
// every element whose id is greater than the new one. live is false for an
// insert with no value (a mark). ok is false when ref is unknown or the
// sequence is lost.
func (s *seq) insert(at *actorTable, id, ref opID, live bool, char string) (int, bool) {
	if s.lost {
		return 0, false
	}
	pos := 0
	if !ref.isZero() {
		if pos = s.find(ref); pos < 0 {
			return 0, false
		}
		pos++
	}
	for pos < len(s.elems) && at.greater(s.elems[pos].id, id) {
		pos++
	}
	if len(s.elems) >= maxSeqElems {
		s.drop()
		return 0, false
	}
	e := elem{id: id}
	if live {
		e.val = id
	}
	s.elems = slices.Insert(s.elems, pos, e)
	if s.text {
		s.chars = slices.Insert(s.chars, pos, char)
	}
	s.hint = pos
	return s.index(pos), true
}

// drop forgets the sequence's elements for good.
func (s *seq) drop() {
	*s = seq{lost: true}
}

// overwrite applies a set (live) or del (!live) of the element at pos: the
// preds stop being live values, and a set's own id becomes one.
func (s *seq) overwrite(pos int, id opID, preds []opID, live bool, char string) {
	e := &s.elems[pos]
	for _, p := range preds {
		s.removeLive(e, p)
	}
	if !live || e.val == id || slices.Contains(s.extra[e.id], id) {
		return
	}
	if e.val.isZero() {
		e.val = id
	} else {
		if s.extra == nil {
			s.extra = make(map[opID][]opID)
		}
		s.extra[e.id] = append(s.extra[e.id], id)
	}
	if s.text {
		s.chars[pos] = char
	}
}

// removeLive removes value op p from element e's live values.
func (s *seq) removeLive(e *elem, p opID) {
	more := s.extra[e.id]
	switch i := slices.Index(more, p); {
	case e.val == p && len(more) > 0:
		e.val = more[len(more)-1]
		more = more[:len(more)-1]
	case e.val == p:
		e.val = opID{}
	case i >= 0:
		more = slices.Delete(more, i, i+1)
	default:
		return
	}
	if len(more) == 0 {
		delete(s.extra, e.id)
	} else {
		s.extra[e.id] = more
	}
}

// String returns the text of a name sequence: the characters of its
// visible elements.
func (s *seq) String() string {
	var b strings.Builder
	for i, e := range s.elems {
		if !e.val.isZero() && i < len(s.chars) {
			b.WriteString(s.chars[i])
		}
	}
	return b.String()
}
