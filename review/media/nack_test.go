package media_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"atelier/review/media"
	"atelier/review/whipclient"
)

// TestNACKAnsweredWithRTX has a viewer NACK a packet it already has and
// checks that the SFU's interceptors retransmit it on the negotiated RTX
// stream (RFC 4588), from the viewer's own send buffer.
func TestNACKAnsweredWithRTX(t *testing.T) {
	s := newServer(t, serverOptions{})
	publish(t, whipclient.PublishOptions{URL: s.whip(), Files: []string{fixture("clip-vp8.ivf")}, Loop: true})
	waitFor(t, 5*time.Second, "the publisher's first packets", func() bool { return s.room.Stats().PacketsIn > 0 })
	api, err := media.NewAPI(loopback(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	var ssrc, last atomic.Uint32
	target := atomic.Int32{}
	target.Store(-1)
	var repaired atomic.Int32
	done := make(chan struct{})
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		defer close(done)
		ssrc.Store(uint32(tr.SSRC()))
		for {
			p, attr, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if int32(p.SequenceNumber) == target.Load() && isRTX(attr) {
				repaired.Add(1)
			}
			last.Store(uint32(p.SequenceNumber))
		}
	})
	defer func() { _ = pc.Close(); <-done }()
	resp, answer := do(t, http.MethodPost, s.whep(), media.ContentTypeSDP, localOffer(t, pc), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHEP POST: %s", resp.Status)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "video", func() bool { return last.Load() != 0 })
	seq := uint16(last.Load())
	target.Store(int32(seq))
	nack := &rtcp.TransportLayerNack{MediaSSRC: ssrc.Load(), Nacks: []rtcp.NackPair{{PacketID: seq}}}
	if err := pc.WriteRTCP([]rtcp.Packet{nack}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "the retransmission", func() bool { return repaired.Load() > 0 })
}

// isRTX reports whether pion read a packet from the RTX stream.
func isRTX(a interceptor.Attributes) bool {
	_, ok := a[webrtc.AttributeRtxSsrc]
	return ok
}
