package media

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// rtpWriter writes one packet to a viewer's track
// (*webrtc.TrackLocalStaticRTP).
type rtpWriter interface {
	WriteRTP(*rtp.Packet) error
}

// queued is a packet waiting in a viewer's queue.
type queued struct {
	pkt  *rtp.Packet
	kind kind
	at   time.Time // when the forwarder read it (zero: the GOP backlog)
}

// viewer is a WHEP session: a peer connection sending the publisher's
// tracks. Forwarders put packets in its bounded queue without waiting, and
// its own goroutine (pump) writes them, so a slow or dead viewer loses its
// own packets and never delays the others.
type viewer struct {
	id      ResourceID
	etag    string
	pc      *webrtc.PeerConnection
	pub     *publisher
	tracks  [numKinds]rtpWriter
	senders []*webrtc.RTPSender
	queue   chan queued

	connected, done     chan struct{}
	connOnce, doneOnce  sync.Once
	forwarded, dropped  atomic.Uint64
	writeErrs, requests atomic.Uint64
	latency             *latencyHist // the room's; nil in unit tests
}

func newViewer(pc *webrtc.PeerConnection, pub *publisher, queueLen int) *viewer {
	return &viewer{
		id: newResourceID(), etag: newETag(), pc: pc, pub: pub,
		queue: make(chan queued, queueLen), connected: make(chan struct{}), done: make(chan struct{}),
	}
}

// enqueue queues pkt for the viewer, or drops it when the queue is full.
func (v *viewer) enqueue(k kind, pkt *rtp.Packet, at time.Time) {
	select {
	case v.queue <- queued{pkt: pkt, kind: k, at: at}:
	default:
		v.dropped.Add(1)
	}
}

func (v *viewer) setConnected() { v.connOnce.Do(func() { close(v.connected) }) }
func (v *viewer) end()          { v.doneOnce.Do(func() { close(v.done) }) }

// waitConnected waits until the peer connection is up; false if the viewer
// ended or did not connect within timeout.
func (v *viewer) waitConnected(timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-v.connected:
		return true
	case <-v.done:
	case <-t.C:
	}
	return false
}

// pump writes the backlog (the GOP cache at join), then the queue, until
// the viewer ends.
func (v *viewer) pump(backlog []queued) {
	for _, q := range backlog {
		select {
		case <-v.done:
			return
		default:
			v.write(q)
		}
	}
	for {
		select {
		case <-v.done:
			return
		case q := <-v.queue:
			v.write(q)
		}
	}
}

func (v *viewer) write(q queued) {
	w := v.tracks[q.kind]
	if w == nil {
		return
	}
	if err := w.WriteRTP(q.pkt); err != nil {
		v.writeErrs.Add(1)
		return
	}
	v.forwarded.Add(1)
	if v.latency != nil && !q.at.IsZero() {
		v.latency.observe(time.Since(q.at))
	}
}

// readRTCP reads a sender's RTCP, which runs pion's interceptors (NACKs are
// answered from the sender's retransmission buffer), and passes keyframe
// requests (PLI, FIR) to the publisher, which throttles them. It returns
// when the peer connection closes.
func (v *viewer) readRTCP(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				v.requests.Add(1)
				v.pub.requestKeyframe()
			}
		}
	}
}

// ViewerStats are one viewer's counters.
type ViewerStats struct {
	// ID is the viewer's WHEP resource id.
	ID ResourceID
	// Connected reports whether its peer connection came up.
	Connected bool
	// Forwarded counts the packets written to it.
	Forwarded uint64
	// Dropped counts the packets dropped because its queue was full.
	Dropped uint64
	// WriteErrors counts packets whose write failed (a closing connection).
	WriteErrors uint64
	// KeyframeRequests counts the PLIs and FIRs it sent.
	KeyframeRequests uint64
	// Queued is the number of packets in its queue now.
	Queued int
}

func (v *viewer) stats() ViewerStats {
	connected := false
	select {
	case <-v.connected:
		connected = true
	default:
	}
	return ViewerStats{
		ID: v.id, Connected: connected, Forwarded: v.forwarded.Load(), Dropped: v.dropped.Load(),
		WriteErrors: v.writeErrs.Load(), KeyframeRequests: v.requests.Load(), Queued: len(v.queue),
	}
}
