package media

import (
	"sync/atomic"

	"github.com/pion/rtp"
)

// historyPackets is how many of a video track's latest packets a room
// keeps to answer viewers' NACKs: about 5 s at 2 Mbps, like the 1024
// packets of pion's NACK responder, which keeps them per viewer.
const historyPackets = 1024

// history is a forwarder's recent packets by sequence number, shared by
// every viewer: viewers get the publisher's sequence numbers unchanged, so
// one copy answers all their NACKs. The forwarder's goroutine puts; viewers'
// RTCP goroutines get. Packets in it are never changed (a viewer's write
// copies the header it rewrites), so readers share them without locks.
type history struct {
	slots [historyPackets]atomic.Pointer[rtp.Packet]
}

func (h *history) put(p *rtp.Packet) {
	h.slots[int(p.SequenceNumber)%historyPackets].Store(p)
}

// get returns the packet with sequence number seq, nil when it is no
// longer (or was never) kept.
func (h *history) get(seq uint16) *rtp.Packet {
	p := h.slots[int(seq)%historyPackets].Load()
	if p == nil || p.SequenceNumber != seq {
		return nil
	}
	return p
}
