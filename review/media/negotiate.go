package media

import (
	"context"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// negotiatePublisher makes the publisher's peer connection from its offer:
// one forwarder per kind, pinned to the first codec the offer lists that
// the engine forwards. On error the returned publisher (if any) still
// holds a peer connection to close.
func (r *Room) negotiatePublisher(ctx context.Context, offer string) (*publisher, string, error) {
	pc, err := r.eng.api.NewPeerConnection(r.eng.pcConfig())
	if err != nil {
		return nil, "", fmt.Errorf("media: new peer connection: %w", err)
	}
	p := newPublisher(pc, r.eng.cfg.KeyframeInterval)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			p.setConnected()
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			r.spawn(func() { r.endPublication(p, "connection "+s.String()) })
		}
	})
	pc.OnTrack(func(t *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		if f := p.forwarderFor(t, recv); f != nil {
			if hook := r.opts.OnTrack; hook != nil {
				f.sink = hook(r.id, TrackInfo{Kind: f.kind.String(), MimeType: f.codec.MimeType, ClockRate: f.codec.ClockRate, Channels: f.codec.Channels})
			}
			srs, _ := f.sink.(SenderReportSink) // before run, which may drop the sink
			if !r.spawn(func() { f.run(t) }) {
				f.endSink() // the room closed meanwhile
				return
			}
			ssrc := uint32(t.SSRC())
			r.spawn(func() { f.readRTCP(ssrc, srs) })
		}
	})
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		if dc.Label() == ContextLabel {
			dc.OnMessage(func(m webrtc.DataChannelMessage) { r.receiveSample(m.Data) })
		}
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return p, "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	if err := r.pinTracks(p); err != nil {
		return p, "", err
	}
	answer, err := r.answer(ctx, pc)
	return p, answer, err
}

// pinTracks makes a forwarder for the first transceiver of each kind,
// pinned to one codec.
func (r *Room) pinTracks(p *publisher) error {
	for _, tr := range p.pc.GetTransceivers() {
		k, ok := kindOf(tr.Kind())
		if !ok || p.fwd[k] != nil {
			continue
		}
		codec, ok, err := pinCodec(tr, anyCodec)
		if err != nil {
			return err
		}
		if ok {
			p.fwd[k] = newForwarder(k, codec, tr.Receiver(), r.eng.cfg.GOPCachePackets, r.log)
		}
	}
	if p.fwd[kindVideo] == nil && p.fwd[kindAudio] == nil {
		return fmt.Errorf("%w: no audio or video track with VP8, VP9, H.264 or Opus", ErrUnsupportedCodec)
	}
	return nil
}

// negotiateViewer makes a viewer's peer connection from its offer, with a
// track for each of the publisher's kinds the offer can receive in the
// publisher's codec.
func (r *Room) negotiateViewer(ctx context.Context, pub *publisher, offer string) (*viewer, string, error) {
	api, err := r.eng.viewers.api(pub.retransmittable, pub.senderClock)
	if err != nil {
		return nil, "", err
	}
	pc, err := api.NewPeerConnection(r.eng.pcConfig())
	if err != nil {
		return nil, "", fmt.Errorf("media: new peer connection: %w", err)
	}
	v := newViewer(pc, pub, r.eng.cfg.QueuePackets)
	v.latency = &r.latency
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			v.setConnected()
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			r.spawn(func() { r.removeViewer(v, "connection "+s.String()) })
		}
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return v, "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	if err := r.addTracks(v); err != nil {
		return v, "", err
	}
	answer, err := r.answer(ctx, pc)
	return v, answer, err
}

// addTracks adds to v's peer connection a track for each publisher
// forwarder whose codec the viewer's offer accepts.
func (r *Room) addTracks(v *viewer) error {
	for k, f := range v.pub.fwd {
		if f == nil {
			continue
		}
		codec, ok, err := pinViewer(v.pc, kind(k), f.codec.RTPCodecCapability)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		// The track takes the viewer's codec (same format, the viewer's own
		// fmtp), so pion binds it to exactly the payload type negotiated.
		track, err := webrtc.NewTrackLocalStaticRTP(codec, kind(k).String(), "atelier-"+string(r.id))
		if err != nil {
			return fmt.Errorf("media: new %s track: %w", kind(k), err)
		}
		sender, err := v.pc.AddTrack(track)
		if err != nil {
			return fmt.Errorf("media: add %s track: %w", kind(k), err)
		}
		v.tracks[k], v.senders = track, append(v.senders, sender)
	}
	if len(v.senders) == 0 {
		return fmt.Errorf("%w: the offer receives none of the publisher's codecs", ErrUnsupportedCodec)
	}
	return nil
}

// pinViewer pins the transceiver AddTrack will use for a track of kind k
// (the first of its kind without a sender) to the viewer's offered codec of
// the publisher's format, and returns that codec; false if the viewer
// offered none.
func pinViewer(pc *webrtc.PeerConnection, k kind, codec webrtc.RTPCodecCapability) (webrtc.RTPCodecCapability, bool, error) {
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() != k.codecType() || tr.Sender() != nil {
			continue
		}
		c, ok, err := pinCodec(tr, func(c webrtc.RTPCodecCapability) bool { return sameFormat(codec, c) })
		return c.RTPCodecCapability, ok, err
	}
	return webrtc.RTPCodecCapability{}, false, nil
}

// answer creates and sets the local answer, then waits for ICE gathering
// to complete so the answer carries every candidate (RFC 9725 §4.3).
func (r *Room) answer(ctx context.Context, pc *webrtc.PeerConnection) (string, error) {
	gathered := webrtc.GatheringCompletePromise(pc)
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadOffer, err)
	}
	if err := pc.SetLocalDescription(ans); err != nil {
		return "", fmt.Errorf("media: set local description: %w", err)
	}
	t := time.NewTimer(r.eng.cfg.GatherTimeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
		return "", ErrGatherTimeout
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}
