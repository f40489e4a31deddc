package crdt

import (
	"slices"

	"atelier/crdt/format"
)

// flagSyncReset is the SYNC_RESET bit of a sync message's flags: the sender
// asks us to forget what we believe we have sent it.
const flagSyncReset = 0x01

// peerState is the server side of the automerge sync protocol for one
// (document, peer) pair: automerge's SyncState (notes §2.4), with the set of
// hashes we have sent and the set the peer is known to have kept as clocks.
type peerState struct {
	spoke       bool // we received at least one message (their need and have are known)
	theirHeads  []Hash
	theirNeed   []Hash
	theirHave   []format.Have
	theirBlooms []format.Bloom

	has           Clock // changes the peer certainly has
	sent          Clock // has, plus every change we sent it
	sharedHeads   []Hash
	lastSentHeads []Hash

	inFlight      bool
	haveResponded bool
	needAnswered  bool // theirNeed was answered since their last message
}

// receive updates the state from a peer's message (notes §2.7). before and
// after are our heads around applying the batch the message was part of;
// delivered lists the graph indexes of the message's changes we now hold.
func (s *peerState) receive(g *Graph, msg *format.SyncMessage, blooms []format.Bloom, before, after []Hash, delivered []int32) {
	s.inFlight = false
	if msg.HasFlags && msg.Flags&flagSyncReset != 0 {
		s.sent = s.has.Clone()
	}
	if len(delivered) > 0 {
		s.sharedHeads = unionSorted(minus(after, before), intersect(s.sharedHeads, after))
		for _, i := range delivered {
			s.has = s.has.Raise(g.ActorSeq(i))
		}
	}
	if len(msg.Changes) == 0 && slices.Equal(msg.Heads, before) {
		s.lastSentHeads = slices.Clone(msg.Heads)
	}
	known := knownOnly(g, msg.Heads)
	switch {
	case len(msg.Heads) == 0:
		s.sharedHeads, s.lastSentHeads = nil, nil
		s.has, s.sent = nil, nil
	case len(known) == len(msg.Heads):
		s.sharedHeads = slices.Clone(msg.Heads)
	default:
		s.sharedHeads = unionSorted(s.sharedHeads, known)
	}
	s.has, _ = g.RaiseTo(s.has, known)
	s.sent = s.sent.Merge(s.has)
	s.spoke, s.needAnswered = true, false
	s.theirHeads, s.theirNeed = slices.Clone(msg.Heads), slices.Clone(msg.Need)
	s.theirHave, s.theirBlooms = msg.Have, blooms
}

// toSend returns, in topological order, the changes to send the peer
// (automerge's hashesToSend minus what was already sent, notes §2.6 step 5):
// everything it needs, then every change it may lack according to its have
// (not in its bloom filter, or depending on one that is not).
func (s *peerState) toSend(g *Graph) []int32 {
	if !s.spoke {
		return nil
	}
	var out []int32
	if !s.needAnswered {
		for _, h := range s.theirNeed {
			if i, ok := g.Lookup(h); ok {
				out = append(out, i)
			}
		}
		slices.Sort(out)
		out = slices.Compact(out)
	}
	needed := len(out)
	if len(s.theirHave) == 0 {
		return out
	}
	var lastSync []Hash
	for _, h := range s.theirHave {
		lastSync = append(lastSync, h.LastSync...)
	}
	if g.isHeads(lastSync) { // the peer has everything we have
		return out
	}
	base, _ := g.ClockOf(lastSync, s.has)
	var marked []int32 // ascending, as Since returns candidates
	for _, i := range g.Since(base) {
		if s.bloomsContain(g.HashAt(i)) && !anyMarked(marked, g.DepsAt(i)) {
			continue
		}
		marked = append(marked, i)
		if _, dup := slices.BinarySearch(out[:needed], i); dup {
			continue
		}
		if a, seq := g.ActorSeq(i); !s.sent.Covers(a, seq) {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

func (s *peerState) bloomsContain(h Hash) bool {
	for _, b := range s.theirBlooms {
		if b.Contains(h) {
			return true
		}
	}
	return false
}

func anyMarked(marked []int32, deps []int32) bool {
	for _, d := range deps {
		if _, found := slices.BinarySearch(marked, d); found {
			return true
		}
	}
	return false
}

// resetNeeded reports whether the peer's have names a change we do not hold
// (we lost data, or it synced with another server): automerge then answers
// with an empty have so the peer resends everything (notes §2.6 step 4).
func (s *peerState) resetNeeded(g *Graph) bool {
	if len(s.theirHave) == 0 {
		return false
	}
	return len(knownOnly(g, s.theirHave[0].LastSync)) != len(s.theirHave[0].LastSync)
}

// shouldSend applies automerge's early return (notes §2.6 step 7): nothing
// to say when our heads are unchanged since the last message and either the
// peer already has our heads and there is nothing to send, or our last
// message is still unanswered.
func (s *peerState) shouldSend(ourHeads []Hash, nSend int) bool {
	if !slices.Equal(s.lastSentHeads, ourHeads) || !s.haveResponded {
		return true
	}
	if slices.Equal(s.theirHeads, ourHeads) && nSend == 0 {
		return false
	}
	return !s.inFlight
}

// sentMessage records that a message with our heads and the given changes went out.
func (s *peerState) sentMessage(g *Graph, ourHeads []Hash, sent []int32) {
	s.haveResponded = true
	s.lastSentHeads = ourHeads
	for _, i := range sent {
		s.sent = s.sent.Raise(g.ActorSeq(i))
	}
	s.inFlight, s.needAnswered = true, true
}

// knownOnly returns the hashes of hs the graph holds (hs itself when it
// holds them all, without allocating).
func knownOnly(g *Graph, hs []Hash) []Hash {
	for i, h := range hs {
		if g.Has(h) {
			continue
		}
		out := slices.Clone(hs[:i])
		for _, h := range hs[i+1:] {
			if g.Has(h) {
				out = append(out, h)
			}
		}
		return out
	}
	return hs
}

func hashLess(a, b Hash) int { return slices.Compare(a[:], b[:]) }

// unionSorted returns the sorted, duplicate-free union of a and b.
func unionSorted(a, b []Hash) []Hash {
	out := append(slices.Clone(a), b...)
	slices.SortFunc(out, hashLess)
	return slices.Compact(out)
}

// minus returns the hashes of a not in b.
func minus(a, b []Hash) []Hash {
	in := hashSet(b)
	var out []Hash
	for _, h := range a {
		if !in(h) {
			out = append(out, h)
		}
	}
	return out
}

// intersect returns the hashes of a also in b.
func intersect(a, b []Hash) []Hash {
	in := hashSet(b)
	var out []Hash
	for _, h := range a {
		if in(h) {
			out = append(out, h)
		}
	}
	return out
}

// subset reports whether every hash of a is in b.
func subset(a, b []Hash) bool {
	in := hashSet(b)
	for _, h := range a {
		if !in(h) {
			return false
		}
	}
	return true
}

// hashSet returns a membership test for hs: a scan for the few hashes of
// the common case, a map beyond that, so hostile lists cost O(n).
func hashSet(hs []Hash) func(Hash) bool {
	if len(hs) <= 16 {
		return func(h Hash) bool { return slices.Contains(hs, h) }
	}
	m := make(map[Hash]struct{}, len(hs))
	for _, h := range hs {
		m[h] = struct{}{}
	}
	return func(h Hash) bool { _, ok := m[h]; return ok }
}
