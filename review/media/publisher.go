package media

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// publisher is the WHIP session of a room: a receive-only peer connection
// with one forwarder per negotiated kind (each pinned to one codec), and a
// goroutine that sends it the keyframe requests of viewers, at most one
// per Config.KeyframeInterval.
type publisher struct {
	id       ResourceID
	etag     string
	pc       *webrtc.PeerConnection
	fwd      [numKinds]*forwarder
	interval time.Duration

	want               chan struct{} // a pending keyframe request
	connected, done    chan struct{}
	connOnce, doneOnce sync.Once
	videoSSRC          atomic.Uint32 // 0 until the video track arrives
	requests, plis     atomic.Uint64
}

func newPublisher(pc *webrtc.PeerConnection, interval time.Duration) *publisher {
	return &publisher{
		id: newResourceID(), etag: newETag(), pc: pc, interval: interval,
		want: make(chan struct{}, 1), connected: make(chan struct{}), done: make(chan struct{}),
	}
}

func (p *publisher) setConnected() { p.connOnce.Do(func() { close(p.connected) }) }
func (p *publisher) end()          { p.doneOnce.Do(func() { close(p.done) }) }

// retransmittable returns a recently forwarded packet of kind k for a
// viewer's NACK (a packetSource); nil when it is not kept.
func (p *publisher) retransmittable(k kind, seq uint16) *rtp.Packet {
	if f := p.fwd[k]; f != nil && f.hist != nil {
		return f.hist.get(seq)
	}
	return nil
}

// senderClock returns the publisher's latest sender report for its track
// of kind k (a clockSource).
func (p *publisher) senderClock(k kind) (senderClock, bool) {
	if f := p.fwd[k]; f != nil {
		if c := f.pubClock.Load(); c != nil {
			return *c, true
		}
	}
	return senderClock{}, false
}

// requestKeyframe asks for a keyframe; requests made while one is pending
// merge into it. It never blocks.
func (p *publisher) requestKeyframe() {
	p.requests.Add(1)
	select {
	case p.want <- struct{}{}:
	default:
	}
}

// waitConnected waits until the peer connection is up; false if the
// publisher ended or did not connect within timeout.
func (p *publisher) waitConnected(timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.connected:
		return true
	case <-p.done:
	case <-t.C:
	}
	return false
}

// keyframes sends a PLI for each pending request, then waits the interval
// before the next, until the publisher ends.
func (p *publisher) keyframes() {
	for {
		select {
		case <-p.done:
			return
		case <-p.want:
		}
		p.sendPLI()
		select {
		case <-p.done:
			return
		case <-time.After(p.interval):
		}
	}
}

func (p *publisher) sendPLI() {
	ssrc := p.videoSSRC.Load()
	if ssrc == 0 {
		return // no video yet: its first frame is a keyframe anyway
	}
	if err := p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}); err == nil {
		p.plis.Add(1)
	}
}

// attach adds v to every forwarder v has a track for and returns what v is
// sent first: the video GOP cache.
func (p *publisher) attach(v *viewer) []queued {
	var backlog []queued
	for k, f := range p.fwd {
		if f == nil || v.tracks[k] == nil {
			continue
		}
		for _, pkt := range f.attach(v) {
			backlog = append(backlog, queued{pkt: pkt, kind: kind(k)})
		}
	}
	return backlog
}

// detach removes v from every forwarder.
func (p *publisher) detach(v *viewer) {
	for _, f := range p.fwd {
		if f != nil {
			f.detach(v)
		}
	}
}

// forwarderFor returns the forwarder of a remote track, nil for a track of
// a transceiver beyond the first of its kind.
func (p *publisher) forwarderFor(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) *forwarder {
	k, ok := kindOf(t.Kind())
	if !ok || p.fwd[k] == nil || p.fwd[k].receiver != r {
		return nil
	}
	if k == kindVideo {
		p.videoSSRC.Store(uint32(t.SSRC()))
	}
	return p.fwd[k]
}

// packetsIn sums the packets read from the publisher.
func (p *publisher) packetsIn() uint64 {
	var n uint64
	for _, f := range p.fwd {
		if f != nil {
			n += f.packets.Load()
		}
	}
	return n
}
