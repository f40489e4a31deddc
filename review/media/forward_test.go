package media_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

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
