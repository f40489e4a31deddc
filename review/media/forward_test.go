package media_test

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	pionmedia "github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/h264reader"

	"atelier/review/media"
	"atelier/review/whipclient"
)

// TestForwardToThreeViewers publishes the VP8 fixture with the WHIP client
// and checks that three WHEP viewers (real pion peers) all receive video.
func TestForwardToThreeViewers(t *testing.T) {
	s := newServer(t, serverOptions{})
	publish(t, whipclient.PublishOptions{URL: s.whip(), Files: []string{fixture("clip-vp8.ivf")}, Loop: true})
	waitFor(t, 5*time.Second, "the publisher's first packets", func() bool { return s.room.Stats().PacketsIn > 0 })
	viewers := []*viewer{
		subscribe(t, s.whep(), viewerOptions{}),
		subscribe(t, s.whep(), viewerOptions{}),
		subscribe(t, s.whep(), viewerOptions{}),
	}
	for i, v := range viewers {
		waitFor(t, 5*time.Second, "30 frames at every viewer", func() bool { return v.frames.Load() >= 30 })
		if v.keyframes.Load() == 0 {
			t.Errorf("viewer %d: no keyframe in %d frames", i, v.frames.Load())
		}
	}
	if !trickled(s.requests()) {
		t.Errorf("the WHIP client's candidates were not PATCHed (204); requests: %q", s.requests())
	}
	st := s.room.Stats()
	if len(st.Viewers) != 3 {
		t.Fatalf("room has %d viewers, want 3", len(st.Viewers))
	}
	for _, vs := range st.Viewers {
		if !vs.Connected || vs.Forwarded == 0 || vs.Dropped != 0 {
			t.Errorf("viewer stats %+v: want connected, forwarded > 0, nothing dropped", vs)
		}
	}
}

// TestForwardCodecs forwards each fixture's codec: VP9, H.264 with Opus.
func TestForwardCodecs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		video bool
		audio bool
	}{
		{"vp9", []string{fixture("clip-vp9.ivf")}, true, false},
		{"h264+opus", []string{fixture("clip.h264"), fixture("clip.ogg")}, true, true},
		{"opus", []string{fixture("clip.ogg")}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, serverOptions{})
			publish(t, whipclient.PublishOptions{URL: s.whip(), Files: tc.files, Loop: true})
			waitFor(t, 5*time.Second, "the publisher's first packets", func() bool { return s.room.Stats().PacketsIn > 0 })
			v := subscribe(t, s.whep(), viewerOptions{})
			waitFor(t, 5*time.Second, "media at the viewer", func() bool {
				return (!tc.video || v.frames.Load() >= 20) && (!tc.audio || v.audioPackets.Load() >= 25)
			})
			if !tc.video && v.videoPackets.Load() != 0 {
				t.Errorf("audio-only publication: viewer got %d video packets", v.videoPackets.Load())
			}
		})
	}
}

// TestLateJoinerGetsKeyframe joins a viewer in the middle of a group of
// pictures (the fixture has a keyframe each second) and checks that its
// first video packet is a keyframe, within a second of the WHEP POST.
func TestLateJoinerGetsKeyframe(t *testing.T) {
	s := newServer(t, serverOptions{})
	publish(t, whipclient.PublishOptions{URL: s.whip(), Files: []string{fixture("clip-vp8.ivf")}, Loop: true})
	waitFor(t, 5*time.Second, "1.3 s of video", func() bool {
		c, ok := s.room.VideoClock()
		return ok && c.MediaTime >= 1.3
	})
	v := subscribe(t, s.whep(), viewerOptions{})
	waitFor(t, 3*time.Second, "a keyframe at the late joiner", func() bool { return v.firstKeyframe.Load() != 0 })
	if d := time.Duration(v.firstKeyframe.Load()); d > time.Second {
		t.Errorf("first keyframe %v after joining, want < 1s", d)
	} else {
		t.Logf("first keyframe %v after the WHEP POST", d)
	}
	if v.firstIsKeyframe.Load() != 1 {
		t.Error("the late joiner's first packet is not a keyframe: the GOP cache was not replayed")
	}
}

// TestDeadViewerDoesNotStallOthers has one viewer that never reads its
// tracks and one that vanishes (closes its peer connection without DELETE),
// and checks that a third keeps receiving every frame.
func TestDeadViewerDoesNotStallOthers(t *testing.T) {
	s := newServer(t, serverOptions{})
	publish(t, whipclient.PublishOptions{URL: s.whip(), Files: []string{fixture("clip-vp8.ivf")}, Loop: true})
	waitFor(t, 5*time.Second, "the publisher's first packets", func() bool { return s.room.Stats().PacketsIn > 0 })
	stuck := subscribe(t, s.whep(), viewerOptions{noRead: true})
	gone := subscribe(t, s.whep(), viewerOptions{})
	live := subscribe(t, s.whep(), viewerOptions{})
	waitFor(t, 5*time.Second, "frames at the live viewers", func() bool {
		return gone.frames.Load() >= 5 && live.frames.Load() >= 5
	})
	gone.close()
	waitFor(t, 5*time.Second, "the room to drop the vanished viewer", func() bool { return len(s.room.Stats().Viewers) == 2 })
	before := live.frames.Load()
	start := time.Now()
	waitFor(t, 3*time.Second, "30 more frames at the live viewer", func() bool { return live.frames.Load() >= before+30 })
	t.Logf("30 frames in %v beside a stuck viewer", time.Since(start))
	for _, vs := range s.room.Stats().Viewers {
		if vs.Forwarded == 0 {
			t.Errorf("viewer %s: nothing forwarded", vs.ID)
		}
		if strings.HasSuffix(stuck.resource, "/"+string(vs.ID)) && !vs.Connected {
			t.Error("the stuck viewer was dropped; it should only lose its own packets")
		}
	}
}

// TestKeyframeRequestsThrottled has a viewer send a PLI every 10 ms for
// two seconds and checks that the publisher gets some, at most one per
// 500 ms (plus the one of the viewer's join).
func TestKeyframeRequestsThrottled(t *testing.T) {
	s := newServer(t, serverOptions{})
	var plis atomicCounter
	publish(t, whipclient.PublishOptions{
		URL: s.whip(), Files: []string{fixture("clip-vp8.ivf")}, Loop: true, OnKeyframeRequest: plis.inc,
	})
	waitFor(t, 5*time.Second, "the publisher's first packets", func() bool { return s.room.Stats().PacketsIn > 0 })
	v := subscribe(t, s.whep(), viewerOptions{})
	waitFor(t, 5*time.Second, "video at the viewer", func() bool { return v.videoSSRC.Load() != 0 })
	start := plis.load()
	sent := sendPLIs(t, v, 2*time.Second, 10*time.Millisecond)
	waitFor(t, 2*time.Second, "the viewer's PLIs at the room", func() bool {
		return s.room.Stats().Viewers[0].KeyframeRequests >= uint64(sent)*9/10
	})
	got := plis.load() - start
	t.Logf("viewer sent %d PLIs in 2s; the publisher got %d", sent, got)
	if got < 2 || got > 2/0.5+2 {
		t.Errorf("publisher got %d PLIs for %d sent in 2s, want 2..6", got, sent)
	}
}

// trickled reports whether a WHIP PATCH (trickle ICE) got 204.
func trickled(requests []string) bool {
	re := regexp.MustCompile(`^PATCH /api/reviews/r1/whip/[A-Z0-9]+ 204$`)
	for _, r := range requests {
		if re.MatchString(r) {
			return true
		}
	}
	return false
}

// TestForwardH264WithoutProfileLevelID publishes H.264 whose offer has no
// profile-level-id, as GStreamer's rtph264pay makes it, and checks that
// viewers offering Constrained Baseline (42e01f, as browsers do) are
// accepted and receive frames: an absent profile-level-id is taken as
// libwebrtc takes it. One viewer offers the engine's codecs, one pion's
// defaults, which list Baseline (42001f) first: its track must be bound to
// the payload type it negotiated, not to the first H.264 it offered.
func TestForwardH264WithoutProfileLevelID(t *testing.T) {
	s := newServer(t, serverOptions{})
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "packetization-mode=1"}
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: codec, PayloadType: 96}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	se, err := loopback().SettingEngine(testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	track, err := webrtc.NewTrackLocalStaticSample(codec, "video", "gst")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer := localOffer(t, pc)
	if strings.Contains(offer, "profile-level-id") {
		t.Fatalf("the test's offer should have no profile-level-id:\n%s", offer)
	}
	resp, answer := do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, offer, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHIP POST: %s: %s", resp.Status, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	stop, sent := make(chan struct{}), make(chan struct{})
	go func() { defer close(sent); sendH264(t, track, stop) }()
	t.Cleanup(func() { close(stop); <-sent; _ = pc.Close() })
	waitFor(t, 5*time.Second, "the publisher's first packets", func() bool { return s.room.Stats().PacketsIn > 0 })
	v := subscribe(t, s.whep(), viewerOptions{})
	w := subscribe(t, s.whep(), viewerOptions{pionCodecs: true})
	waitFor(t, 5*time.Second, "H.264 frames at both viewers", func() bool { return v.frames.Load() >= 20 && w.frames.Load() >= 20 })
}

// sendH264 writes the H.264 fixture's NAL units to track in real time (30
// frames a second), looping, until stop closes.
func sendH264(t *testing.T, track *webrtc.TrackLocalStaticSample, stop <-chan struct{}) {
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	for {
		f, err := os.Open(fixture("clip.h264"))
		if err != nil {
			t.Error(err)
			return
		}
		r, err := h264reader.NewReader(f)
		if err != nil {
			_ = f.Close()
			t.Error(err)
			return
		}
		for {
			nal, err := r.NextNAL()
			if err != nil {
				break // the end: loop
			}
			var d time.Duration
			if nal.UnitType == h264reader.NalUnitTypeCodedSliceIdr || nal.UnitType == h264reader.NalUnitTypeCodedSliceNonIdr {
				d = time.Second / 30
				select {
				case <-stop:
					_ = f.Close()
					return
				case <-tick.C:
				}
			}
			if err := track.WriteSample(pionmedia.Sample{Data: nal.Data, Duration: d}); err != nil {
				_ = f.Close()
				return
			}
		}
		_ = f.Close()
	}
}

// The engine reads each publisher track's RTCP, so its receiver reports
// name the publisher's last sender report (LSR) and how long it held it
// (DLSR): the publisher measures its round trip from them. Unread, pion
// sends them as zeros.
func TestReceiverReportsNameSenderReports(t *testing.T) {
	s := newServer(t, serverOptions{})
	var named atomic.Bool
	publish(t, whipclient.PublishOptions{
		URL: s.whip(), Files: []string{fixture("clip-vp8.ivf")}, Loop: true,
		OnReceiverReport: func(r rtcp.ReceptionReport) {
			if r.LastSenderReport != 0 && r.Delay != 0 {
				named.Store(true)
			}
		},
	})
	// pion sends a sender report and a receiver report every second.
	waitFor(t, 10*time.Second, "a receiver report naming the publisher's sender report", named.Load)
}
