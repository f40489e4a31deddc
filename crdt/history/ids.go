package history

import (
	"strings"

	"atelier/crdt/format"
)

// opID is an op id whose actor is an index into the tracker's actor table
// (unlike format.OpID, whose actor indexes one change's table). The zero
// opID is never an op: counters start at 1.
type opID struct {
	ctr   uint64
	actor uint32
}

// isZero reports whether id is the zero opID (the root object, or the head
// of a list).
func (id opID) isZero() bool { return id.ctr == 0 }

// noStr is the interned-string id meaning "none".
const noStr = ^uint32(0)

// interner maps strings to dense ids, so map keys and property paths are
// stored once however many nodes use them.
type interner struct {
	ids  map[string]uint32
	strs []string
}

// id returns the id of s, adding it if needed.
func (in *interner) id(s string) uint32 {
	if id, ok := in.ids[s]; ok {
		return id
	}
	s = strings.Clone(s)
	id := uint32(len(in.strs))
	in.ids[s] = id
	in.strs = append(in.strs, s)
	return id
}

// lookup returns the id of s and whether it is interned, without adding it.
func (in *interner) lookup(s string) (uint32, bool) {
	id, ok := in.ids[s]
	return id, ok
}

// str returns the string with id i ("" for noStr).
func (in *interner) str(i uint32) string {
	if i == noStr {
		return ""
	}
	return in.strs[i]
}

// actorTable interns actor ids and remembers each actor's last seq.
type actorTable struct {
	ids     map[string]uint32
	actors  []string
	lastSeq []uint64
}

// intern returns the index of actor a, adding it if needed.
func (at *actorTable) intern(a []byte) uint32 {
	if i, ok := at.ids[string(a)]; ok {
		return i
	}
	i := uint32(len(at.actors))
	at.ids[string(a)] = i
	at.actors = append(at.actors, string(a))
	at.lastSeq = append(at.lastSeq, 0)
	return i
}

// seq returns the last seq applied for actor a (0 if none).
func (at *actorTable) seq(a []byte) uint64 {
	if i, ok := at.ids[string(a)]; ok {
		return at.lastSeq[i]
	}
	return 0
}

// greater reports whether op id a sorts after b in automerge's Lamport
// order: higher counter first, then the byte-wise greater actor id.
func (at *actorTable) greater(a, b opID) bool {
	if a.ctr != b.ctr {
		return a.ctr > b.ctr
	}
	return at.actors[a.actor] > at.actors[b.actor]
}

// norm converts an op id of the change being applied (actor indexes its
// actor table, mapped to the tracker's by local) to an opID. A zero
// counter stays the zero opID.
func norm(id format.OpID, local []uint32) opID {
	if id.Counter == 0 || id.Actor < 0 || id.Actor >= len(local) {
		return opID{ctr: id.Counter}
	}
	return opID{ctr: id.Counter, actor: local[id.Actor]}
}
