package recording

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// connect runs a non-trickle offer/answer between two PeerConnections and
// waits until both are connected.
func connect(ctx context.Context, t *testing.T, offerer, answerer *webrtc.PeerConnection) {
	t.Helper()
	offer := localDescription(ctx, t, offerer, true)
	if err := answerer.SetRemoteDescription(offer); err != nil {
		t.Fatal(err)
	}
	answer := localDescription(ctx, t, answerer, false)
	if err := offerer.SetRemoteDescription(answer); err != nil {
		t.Fatal(err)
	}
	waitConnected(ctx, t, offerer, answerer)
}

// localDescription creates an offer or answer, sets it and waits for ICE
// gathering to complete.
func localDescription(ctx context.Context, t *testing.T, pc *webrtc.PeerConnection, offer bool) webrtc.SessionDescription {
	t.Helper()
	var desc webrtc.SessionDescription
	var err error
	if offer {
		desc, err = pc.CreateOffer(nil)
	} else {
		desc, err = pc.CreateAnswer(nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(desc); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		t.Fatal("ICE gathering timed out")
	}
	return *pc.LocalDescription()
}

func waitConnected(ctx context.Context, t *testing.T, pcs ...*webrtc.PeerConnection) {
	t.Helper()
	waitFor(ctx, t, "peer connections connected", func() bool {
		for _, pc := range pcs {
			if pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
				return false
			}
		}
		return true
	})
}

func closePeer(t *testing.T, pc *webrtc.PeerConnection) {
	t.Helper()
	if err := pc.Close(); err != nil {
		t.Errorf("close peer connection: %v", err)
	}
}

// waitGroup waits for wg, bounded: a reader that never started (a test that
// failed early) must not hang the suite.
func waitGroup(t *testing.T, wg *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("readers did not finish within 10 s")
	}
}

// viewer is a WHEP playback client: a receive-only PeerConnection that
// notes every video frame it receives (a frame is the packets with one RTP
// timestamp; the player never reuses one) and counts audio packets.
type viewer struct {
	id     ViewerID // as the Viewers set knows it
	pc     *webrtc.PeerConnection
	wg     sync.WaitGroup // OnTrack readers
	mu     sync.Mutex
	closed bool
	seenTS map[uint32]bool // a retransmitted packet must not count as a new frame
	seen   []seenFrame
	nAud   int
	plis   int // keyframe requests sent because the first frame was not one
}

type seenFrame struct {
	ts  uint32
	key bool // VP8 payload header P bit clear on the frame's first packet
}

func newViewer(t *testing.T, api *webrtc.API) *viewer {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	v := &viewer{pc: pc, seenTS: map[uint32]bool{}}
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		v.mu.Lock()
		if v.closed {
			v.mu.Unlock()
			return
		}
		v.wg.Add(1)
		v.mu.Unlock()
		defer v.wg.Done()
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if v.note(tr.Kind(), p.Timestamp, p.Payload) {
				v.requestKeyframe(tr.SSRC())
			}
		}
	})
	return v
}

// note records a packet and says whether to ask for a keyframe, as a
// browser does when the first frame it gets is not one (it joined after the
// keyframe went out).
func (v *viewer) note(kind webrtc.RTPCodecType, ts uint32, payload []byte) (askKeyframe bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if kind == webrtc.RTPCodecTypeAudio {
		v.nAud++
		return false
	}
	if v.seenTS[ts] {
		return false
	}
	v.seenTS[ts] = true
	var vp8 codecs.VP8Packet
	_, err := vp8.Unmarshal(payload)
	key := err == nil && vp8.S == 1 && len(vp8.Payload) > 0 && vp8.Payload[0]&1 == 0
	v.seen = append(v.seen, seenFrame{ts: ts, key: key})
	if len(v.seen) == 1 && !key {
		v.plis++
		return true
	}
	return false
}

func (v *viewer) requestKeyframe(ssrc webrtc.SSRC) {
	_ = v.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(ssrc)}})
}

// decodable says whether the viewer has received a keyframe.
func (v *viewer) decodable() bool {
	for _, f := range v.frames() {
		if f.key {
			return true
		}
	}
	return false
}

// frames returns a copy of the frames seen so far.
func (v *viewer) frames() []seenFrame {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]seenFrame(nil), v.seen...)
}

func (v *viewer) audioPackets() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.nAud
}

func (v *viewer) lastTS() (uint32, bool) {
	f := v.frames()
	if len(f) == 0 {
		return 0, false
	}
	return f[len(f)-1].ts, true
}

func (v *viewer) close(t *testing.T) {
	t.Helper()
	v.mu.Lock()
	v.closed = true // no reader starts after this
	v.mu.Unlock()
	closePeer(t, v.pc)
	waitGroup(t, &v.wg)
}
