package media_test

import (
	"encoding/binary"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"atelier/review/media"
)

// fanoutViewer is one viewer of the fan-out benchmark's child process.
type fanoutViewer struct {
	pc      *webrtc.PeerConnection
	wg      sync.WaitGroup
	started atomic.Bool

	seen      []bool
	received  int
	latencies []float64 // ms
}

func newFanoutViewer(t *testing.T, url string, measured int) *fanoutViewer {
	api, err := media.NewAPI(loopback(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	v := &fanoutViewer{pc: pc, seen: make([]bool, measured)}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		v.wg.Add(1)
		defer v.wg.Done()
		v.read(tr)
	})
	resp, body := do(t, http.MethodPost, url, media.ContentTypeSDP, localOffer(t, pc), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHEP POST: %s: %s", resp.Status, body)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
		t.Fatal(err)
	}
	return v
}

// read notes each measured packet once: its arrival and latency.
func (v *fanoutViewer) read(tr *webrtc.TrackRemote) {
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now().UnixNano()
		v.started.Store(true)
		if len(pkt.Payload) < 14 {
			continue
		}
		idx := int32(binary.BigEndian.Uint32(pkt.Payload[10:]))
		if idx < 0 || int(idx) >= len(v.seen) || v.seen[idx] {
			continue
		}
		v.seen[idx] = true
		v.received++
		sentAt := int64(binary.BigEndian.Uint64(pkt.Payload[2:]))
		v.latencies = append(v.latencies, float64(now-sentAt)/1e6)
	}
}

// close ends the viewer; its counts are final afterwards.
func (v *fanoutViewer) close() {
	_ = v.pc.Close()
	v.wg.Wait()
}
