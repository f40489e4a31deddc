package recording

import "github.com/pion/rtp"

// reorderDepth is how many packets a track holds while waiting for a missing
// one (a NACK retransmission arrives about one round trip late) before it
// gives the missing packet up.
const reorderDepth = 64

// reorder puts a track's packets back in sequence-number order before pion's
// writers, which assume order: a retransmitted packet would otherwise be
// appended to whatever frame is being assembled. In-order packets pass
// straight through; only a gap holds packets back.
type reorder struct {
	next    uint16 // sequence number expected next
	started bool
	held    map[uint16]*rtp.Packet
	late    int // packets that arrived after their turn was given up (or twice)
	lost    int // sequence numbers given up
}

func newReorder() *reorder { return &reorder{held: map[uint16]*rtp.Packet{}} }

// push takes p and appends to out the packets that are now in order.
func (r *reorder) push(p *rtp.Packet, out []*rtp.Packet) []*rtp.Packet {
	sn := p.SequenceNumber
	if !r.started {
		r.started, r.next = true, sn
	}
	if _, dup := r.held[sn]; dup || int16(sn-r.next) < 0 {
		r.late++
		return out
	}
	r.held[sn] = p
	out = r.drain(out)
	if len(r.held) > reorderDepth {
		r.skipGap()
		out = r.drain(out)
	}
	return out
}

// flush appends every held packet in order, skipping the gaps.
func (r *reorder) flush(out []*rtp.Packet) []*rtp.Packet {
	for len(r.held) > 0 {
		r.skipGap()
		out = r.drain(out)
	}
	return out
}

func (r *reorder) drain(out []*rtp.Packet) []*rtp.Packet {
	for {
		p, ok := r.held[r.next]
		if !ok {
			return out
		}
		delete(r.held, r.next)
		out = append(out, p)
		r.next++
	}
}

// skipGap moves the expected sequence number to the earliest held packet.
func (r *reorder) skipGap() {
	first, best := true, 0
	for sn := range r.held {
		if d := int(uint16(sn - r.next)); first || d < best {
			first, best = false, d
		}
	}
	r.next += uint16(best) //nolint:gosec // best < 65536 by construction.
	r.lost += best
}
