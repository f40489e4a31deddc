package recording

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// ViewerID names one WHEP viewer session (the resource a DELETE ends). Like
// ID it is 128 random bits in unpadded base64url.
type ViewerID string

// Viewers answers WHEP offers (RFC 9725) for recording playback and keeps the
// viewers' PeerConnections until they are removed, fail or the set closes.
// The edge mounts Add at POST /api/recordings/{id}/whep and Remove at DELETE
// on the returned resource.
type Viewers struct {
	api *webrtc.API
	cfg Config
	log *slog.Logger
	wg  sync.WaitGroup // RTCP readers

	mu     sync.Mutex
	peers  map[ViewerID]*webrtc.PeerConnection
	closed bool
}

// NewViewers returns an empty viewer set whose PeerConnections come from api
// (see NewAPI) with cfg's ICE servers and gathering timeout. It does no I/O;
// a nil log discards.
func NewViewers(api *webrtc.API, cfg Config, log *slog.Logger) *Viewers {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Viewers{api: api, cfg: cfg, log: log, peers: map[ViewerID]*webrtc.PeerConnection{}}
}

// Add answers a viewer's SDP offer: a PeerConnection that sends the player's
// shared tracks, with ICE gathering finished (bounded by ctx and the
// configured timeout) so the answer holds every candidate, as WHEP wants
// without trickle. It returns the viewer's id and the SDP answer.
func (v *Viewers) Add(ctx context.Context, p *Player, offer string) (ViewerID, string, error) {
	tok, err := randomToken()
	if err != nil {
		return "", "", err
	}
	id := ViewerID(tok)
	pc, err := v.api.NewPeerConnection(webrtc.Configuration{ICEServers: v.cfg.ICEServers})
	if err != nil {
		return "", "", fmt.Errorf("recording: new peer connection: %w", err)
	}
	answer, err := v.answer(ctx, pc, p, offer)
	if err == nil {
		err = v.keep(id, pc)
	}
	if err != nil {
		return "", "", errors.Join(err, pc.Close())
	}
	v.log.Info("playback viewer joined", "viewer", id)
	return id, answer, nil
}

func (v *Viewers) answer(ctx context.Context, pc *webrtc.PeerConnection, p *Player, offer string) (string, error) {
	for _, t := range p.Tracks() {
		sender, err := pc.AddTrack(t)
		if err != nil {
			return "", fmt.Errorf("recording: add track: %w", err)
		}
		if err := v.track(sender, p); err != nil {
			return "", err
		}
	}
	desc := webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}
	if err := pc.SetRemoteDescription(desc); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return "", fmt.Errorf("recording: set local description: %w", err)
	}
	gctx, cancel := context.WithTimeout(ctx, v.cfg.gatherTimeout())
	defer cancel()
	select {
	case <-gathered:
	case <-gctx.Done():
		return "", fmt.Errorf("%w: %w", ErrGatherTimeout, gctx.Err())
	}
	return pc.LocalDescription().SDP, nil
}

// keep registers pc under id and drops it again when it fails or closes.
func (v *Viewers) keep(id ViewerID, pc *webrtc.PeerConnection) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return ErrClosed
	}
	v.peers[id] = pc
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			if err := v.Remove(id); err == nil {
				v.log.Info("playback viewer left", "viewer", id, "state", s.String())
			}
		}
	})
	return nil
}

// track starts the RTCP reader of a sender, unless the set is closed.
func (v *Viewers) track(sender *webrtc.RTPSender, p *Player) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return ErrClosed
	}
	v.wg.Add(1)
	go v.readRTCP(sender, p)
	return nil
}

// readRTCP drains a sender's RTCP so the interceptors (NACK responder, TWCC,
// reports) see it, and answers a PLI or FIR with Player.Refresh; it returns
// when the PeerConnection closes.
func (v *Viewers) readRTCP(sender *webrtc.RTPSender, p *Player) {
	defer v.wg.Done()
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		if wantsKeyframe(pkts) {
			if err := p.Refresh(); err != nil {
				v.log.Debug("playback refresh", "err", err)
			}
		}
	}
}

func wantsKeyframe(pkts []rtcp.Packet) bool {
	for _, pkt := range pkts {
		switch pkt.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			return true
		}
	}
	return false
}

// Remove closes and forgets one viewer; an unknown id is ErrViewerNotFound.
func (v *Viewers) Remove(id ViewerID) error {
	v.mu.Lock()
	pc, ok := v.peers[id]
	delete(v.peers, id)
	v.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrViewerNotFound, id)
	}
	if err := pc.Close(); err != nil {
		return fmt.Errorf("recording: close viewer: %w", err)
	}
	return nil
}

// ConnectionState reports a viewer's PeerConnection state; ok is false for an
// unknown id.
func (v *Viewers) ConnectionState(id ViewerID) (state webrtc.PeerConnectionState, ok bool) {
	v.mu.Lock()
	pc, ok := v.peers[id]
	v.mu.Unlock()
	if !ok {
		return webrtc.PeerConnectionStateUnknown, false
	}
	return pc.ConnectionState(), true
}

// Len is the number of viewers.
func (v *Viewers) Len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.peers)
}

// Close closes every viewer, refuses new ones and waits for the RTCP
// readers. It is idempotent.
func (v *Viewers) Close() error {
	v.mu.Lock()
	v.closed = true
	peers := v.peers
	v.peers = map[ViewerID]*webrtc.PeerConnection{}
	v.mu.Unlock()
	var errs []error
	for _, pc := range peers {
		errs = append(errs, pc.Close())
	}
	v.wg.Wait()
	return errors.Join(errs...)
}
