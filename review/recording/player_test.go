package recording

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// Keyframe media times of the whole VP8 fixture recorded from frame 0.
const (
	keyAt1s   = 1.0 // frame 30
	lastKeyAt = 1.5 // frame 45
)

// recordFixture records the whole VP8 fixture and the Opus fixture and opens
// the recording.
func recordFixture(t *testing.T) *Recording {
	t.Helper()
	r, _ := newTestRecorder(t)
	_, video := ivfFrames(t, fixture("clip-vp8.ivf"))
	audio, _ := oggPackets(t, fixture("clip.ogg"))
	vw, err := r.AddTrack(KindVideo, webrtc.MimeTypeVP8, 90000, 0)
	if err != nil {
		t.Fatal(err)
	}
	aw, err := r.AddTrack(KindAudio, webrtc.MimeTypeOpus, 48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, vw, packetizer(vp8Payloader(), 90000), video, frameTicks, 0)
	feed(t, aw, packetizer(&codecs.OpusPayloader{}, 48000), audio, opusTicks, 0)
	closeRecorder(t, r)
	rec, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Frames()) != fixtureFrames {
		t.Fatalf("recorded %d frames", len(rec.Frames()))
	}
	return rec
}

// playback is a started player with n connected WHEP viewers.
type playback struct {
	api     *webrtc.API
	player  *Player
	set     *Viewers
	viewers []*viewer
	states  chan PlayerState
}

func startPlayback(ctx context.Context, t *testing.T, rec *Recording, n int) *playback {
	t.Helper()
	api := testAPI(t)
	p, err := NewPlayer(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	pb := &playback{api: api, player: p, set: NewViewers(api, testConfig(), nil), states: make(chan PlayerState, 64)}
	p.OnState(func(s PlayerState) { pb.states <- s })
	t.Cleanup(func() { pb.close(t) })
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for range n {
		pb.addViewer(ctx, t)
	}
	if pb.set.Len() != n {
		t.Fatalf("viewer set has %d, want %d", pb.set.Len(), n)
	}
	return pb
}

// addViewer connects one more WHEP viewer.
func (pb *playback) addViewer(ctx context.Context, t *testing.T) *viewer {
	t.Helper()
	v := newViewer(t, pb.api)
	pb.viewers = append(pb.viewers, v)
	offer := localDescription(ctx, t, v.pc, true)
	id, answer, err := pb.set.Add(ctx, pb.player, offer.SDP)
	if err != nil {
		t.Fatal(err)
	}
	v.id = id
	if err := v.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	waitConnected(ctx, t, v.pc)
	waitFor(ctx, t, "the server side to connect", func() bool {
		s, _ := pb.set.ConnectionState(id)
		return s == webrtc.PeerConnectionStateConnected
	})
	return v
}

func (pb *playback) close(t *testing.T) {
	if err := pb.set.Close(); err != nil {
		t.Errorf("close viewers: %v", err)
	}
	for _, v := range pb.viewers {
		v.close(t)
	}
	if err := pb.player.Close(); err != nil {
		t.Errorf("close player: %v", err)
	}
	if err := pb.player.Close(); err != nil {
		t.Errorf("second player Close: %v", err)
	}
}

// waitState waits for an OnState report that satisfies ok.
func (pb *playback) waitState(ctx context.Context, t *testing.T, what string, ok func(PlayerState) bool) PlayerState {
	t.Helper()
	for {
		select {
		case s := <-pb.states:
			if ok(s) {
				return s
			}
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s (state %+v)", what, pb.player.State())
		}
	}
}

// settled waits until every viewer's last frame is the one the player sent
// last, then returns how many frames each has.
func (pb *playback) settled(ctx context.Context, t *testing.T) []int {
	t.Helper()
	waitFor(ctx, t, "every viewer to hold the last frame sent", func() bool {
		// Read each time: a refresh burst may still be sending when this starts.
		want := pb.player.State().RTPTimestamp
		for _, v := range pb.viewers {
			if ts, ok := v.lastTS(); !ok || ts != want {
				return false
			}
		}
		return true
	})
	counts := make([]int, len(pb.viewers))
	for i, v := range pb.viewers {
		counts[i] = len(v.frames())
	}
	return counts
}

func TestPlayerGroupPlayback(t *testing.T) {
	ctx := testContext(t)
	rec := recordFixture(t)
	pb := startPlayback(ctx, t, rec, 3)
	p := pb.player

	if err := p.Play(); err != nil {
		t.Fatal(err)
	}
	// A viewer whose PeerConnection was not sending yet when the first
	// keyframe went out asks for one, as a browser does, and gets a refresh.
	waitFor(ctx, t, "every viewer to decode 10 frames and get audio", func() bool {
		for _, v := range pb.viewers {
			if len(v.frames()) < 10 || v.audioPackets() == 0 || !v.decodable() {
				return false
			}
		}
		return true
	})

	// Pause: everyone holds the same last frame and nothing more arrives.
	counts := pb.pauseAndCheck(ctx, t)

	// Seek: every viewer's next frame is the keyframe at or before 1.2 s.
	at, err := p.Seek(1.2)
	if err != nil || at != keyAt1s {
		t.Fatalf("Seek(1.2) = %v, %v; want %v", at, err, keyAt1s)
	}
	pb.checkSeekLanded(ctx, t, counts, keyAt1s)
	if s := p.State(); s.Playing || s.Frame != 30 || s.MediaTime != keyAt1s {
		t.Errorf("state after paused seek %+v", s)
	}

	// Play resumes from there and runs to the end, where it pauses.
	if err := p.Play(); err != nil {
		t.Fatal(err)
	}
	end := pb.waitState(ctx, t, "the end", func(s PlayerState) bool { return s.Ended })
	if end.Playing || end.Frame != fixtureFrames-1 {
		t.Errorf("state at end %+v", end)
	}
	after := pb.settled(ctx, t)
	for i := range pb.viewers {
		// The keyframe at 30 and frames 31..59, each exactly once.
		if got := after[i] - counts[i]; got != fixtureFrames-30 {
			t.Errorf("viewer %d got %d frames from the seek to the end, want %d", i, got, fixtureFrames-30)
		}
	}

	pb.checkRemove(t)
}

// checkRemove is WHEP DELETE: the first viewer's PeerConnection closes and
// leaves the set.
func (pb *playback) checkRemove(t *testing.T) {
	t.Helper()
	gone, n := pb.viewers[0], pb.set.Len()
	if err := pb.set.Remove(gone.id); err != nil {
		t.Fatal(err)
	}
	if _, ok := pb.set.ConnectionState(gone.id); ok || pb.set.Len() != n-1 {
		t.Errorf("after Remove: %d viewers, removed one still known %v", pb.set.Len(), ok)
	}
	if err := pb.set.Remove(gone.id); !errors.Is(err, ErrViewerNotFound) {
		t.Errorf("second Remove = %v, want ErrViewerNotFound", err)
	}
}

// pauseAndCheck pauses, waits until every viewer holds the last frame sent
// and checks that no frame arrives and the state stays put for 300 ms; it
// returns each viewer's frame count.
func (pb *playback) pauseAndCheck(ctx context.Context, t *testing.T) []int {
	t.Helper()
	if err := pb.player.Pause(); err != nil {
		t.Fatal(err)
	}
	paused := pb.player.State()
	if paused.Playing || paused.Frame < 9 {
		t.Fatalf("state after Pause %+v", paused)
	}
	counts := pb.settled(ctx, t)
	window := time.NewTimer(300 * time.Millisecond) // an observation window, not a synchronization
	<-window.C
	for i, v := range pb.viewers {
		if n := len(v.frames()); n != counts[i] {
			t.Errorf("viewer %d got %d frames while paused", i, n-counts[i])
		}
	}
	if s := pb.player.State(); s != paused {
		t.Errorf("state moved while paused: %+v -> %+v", paused, s)
	}
	return counts
}

// checkSeekLanded waits until every viewer has a frame past counts and checks
// that the first such frame is a keyframe at media time want.
func (pb *playback) checkSeekLanded(ctx context.Context, t *testing.T, counts []int, want float64) {
	t.Helper()
	waitFor(ctx, t, "every viewer to get the seek's keyframe", func() bool {
		for i, v := range pb.viewers {
			if len(v.frames()) <= counts[i] {
				return false
			}
		}
		return true
	})
	for i, v := range pb.viewers {
		next := v.frames()[counts[i]]
		mt, ok := pb.player.MediaTimeAt(next.ts)
		if !next.key || !ok || mt != want {
			t.Errorf("viewer %d: next frame after seek key=%v at %v (%v), want keyframe at %v", i, next.key, mt, ok, want)
		}
	}
}

func TestPlayerSeekWhilePlayingAndBounds(t *testing.T) {
	ctx := testContext(t)
	rec := recordFixture(t)
	pb := startPlayback(ctx, t, rec, 2)
	p := pb.player

	if _, err := p.Seek(-0.5); !errors.Is(err, ErrNegativeSeek) {
		t.Fatalf("Seek(-0.5) = %v, want ErrNegativeSeek", err)
	}
	if err := p.Play(); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "frames", func() bool { return p.State().Frame >= 3 })
	// Beyond the end clamps to the last keyframe; playback goes on from it.
	at, err := p.Seek(99)
	if err != nil || at != lastKeyAt {
		t.Fatalf("Seek(99) = %v, %v; want %v", at, err, lastKeyAt)
	}
	end := pb.waitState(ctx, t, "the end", func(s PlayerState) bool { return s.Ended })
	if end.Frame != fixtureFrames-1 {
		t.Errorf("end state %+v", end)
	}
	// Play at the end starts again from the beginning.
	counts := pb.settled(ctx, t)
	if err := p.Play(); err != nil {
		t.Fatal(err)
	}
	pb.checkSeekLanded(ctx, t, counts, 0)
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
}

func TestPlayerLifecycle(t *testing.T) {
	ctx := testContext(t)
	rec := recordFixture(t)
	p, err := NewPlayer(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Play(); !errors.Is(err, ErrNotStarted) {
		t.Errorf("Play before Start: %v, want ErrNotStarted", err)
	}
	if len(p.Tracks()) != 2 {
		t.Errorf("%d tracks, want video and audio", len(p.Tracks()))
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if s := p.State(); s.Playing || s.Frame != -1 || s.MediaTime != 0 {
		t.Errorf("initial state %+v", s)
	}
	// Play with no viewers still runs the clock.
	if err := p.Play(); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "frames", func() bool { return p.State().Frame >= 2 })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Pause(); !errors.Is(err, ErrClosed) {
		t.Errorf("Pause after Close: %v, want ErrClosed", err)
	}
	if err := p.Start(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: %v, want ErrClosed", err)
	}

	// A player whose context ends stops too.
	cctx, cancel := context.WithCancel(ctx)
	q, err := NewPlayer(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(cctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	waitFor(ctx, t, "the player to stop with its context", func() bool {
		return errors.Is(q.Play(), ErrClosed)
	})
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestViewersBadOffer(t *testing.T) {
	ctx := testContext(t)
	rec := recordFixture(t)
	p, err := NewPlayer(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	set := NewViewers(testAPI(t), testConfig(), nil)
	if _, _, err := set.Add(ctx, p, "not sdp"); !errors.Is(err, ErrBadOffer) {
		t.Errorf("Add(garbage) = %v, want ErrBadOffer", err)
	}
	if err := set.Remove("nobody"); !errors.Is(err, ErrViewerNotFound) {
		t.Errorf("Remove(unknown) = %v, want ErrViewerNotFound", err)
	}
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := set.Add(ctx, p, "v=0"); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Close = %v, want ErrClosed", err)
	}
}

// A viewer that joins a paused group and asks for a keyframe gets the frames
// from the last keyframe up to the held one; everyone ends on the same frame.
func TestPlayerRefreshForLateViewer(t *testing.T) {
	ctx := testContext(t)
	rec := recordFixture(t)
	pb := startPlayback(ctx, t, rec, 2)
	p := pb.player
	p.refreshGap = 0 // an early viewer's own refresh must not swallow the late one's
	if err := p.Play(); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "20 frames", func() bool { return p.State().Frame >= 20 })
	if err := p.Pause(); err != nil {
		t.Fatal(err)
	}
	held := p.State()
	counts := pb.settled(ctx, t)
	key, _ := rec.KeyframeAtOrBefore(held.MediaTime)
	burst := held.Frame - key.Number + 1

	late := pb.addViewer(ctx, t)
	ssrc := late.pc.GetTransceivers()[0].Receiver().Track().SSRC()
	if err := late.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(ssrc)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the refresh burst", func() bool { return p.State().RTPTimestamp != held.RTPTimestamp })
	pb.settled(ctx, t)
	got := late.frames()
	if len(got) != burst || !got[0].key {
		t.Fatalf("late viewer got %d frames (first key %v), want %d from keyframe %d", len(got), len(got) > 0 && got[0].key, burst, key.Number)
	}
	for i, v := range pb.viewers[:2] {
		if n := len(v.frames()) - counts[i]; n != burst {
			t.Errorf("viewer %d got %d refresh frames, want %d", i, n, burst)
		}
	}
	if s := p.State(); s.Frame != held.Frame || s.MediaTime != held.MediaTime || s.Playing {
		t.Errorf("state after refresh %+v, held %+v", s, held)
	}
}
