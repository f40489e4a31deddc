package media_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
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

func newFanoutViewer(url string, measured int) (*fanoutViewer, error) {
	api, err := media.NewAPI(loopback(), nil)
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	v := &fanoutViewer{pc: pc, seen: make([]bool, measured)}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		return nil, err
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		v.wg.Add(1)
		defer v.wg.Done()
		v.read(tr)
	})
	gathered := webrtc.GatheringCompletePromise(pc)
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		return nil, err
	}
	<-gathered
	resp, err := http.Post(url, media.ContentTypeSDP, strings.NewReader(pc.LocalDescription().SDP))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("WHEP POST: %s: %s", resp.Status, body)
	}
	return v, pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)})
}

// read notes each measured packet once: its arrival and latency. It reads
// into one buffer (ReadRTP allocates one per packet), so the viewers'
// garbage collection takes less of the two cores the SFU also runs on.
func (v *fanoutViewer) read(tr *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	pkt := &rtp.Packet{}
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
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
