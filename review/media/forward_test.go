package media_test

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	pionmedia "github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/h264reader"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

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

// Viewers' sender reports carry the publisher's clock: the NTP time the
// publisher's own reports give an RTP timestamp, so a browser lines audio
// up with video as the publisher captured them, not as the SFU forwarded
// them. The publisher here keeps a clock 1000 s ahead of the SFU's, which
// the SFU's own clock could not produce.
func TestViewerSenderReportsKeepThePublishersClock(t *testing.T) {
	s := newServer(t, serverOptions{})
	me, err := media.NewMediaEngine()
	if err != nil {
		t.Fatal(err)
	}
	se, err := loopback().SettingEngine(testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	// No interceptors: this publisher sends only the sender reports below.
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se), webrtc.WithInterceptorRegistry(&interceptor.Registry{})).
		NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "build")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := pc.AddTrack(track)
	if err != nil {
		t.Fatal(err)
	}
	resp, answer := do(t, http.MethodPost, s.whip(), media.ContentTypeSDP, localOffer(t, pc), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHIP POST: %s: %s", resp.Status, answer)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}

	const ts0, ahead = 1_000_000, 1000 * time.Second
	start := time.Now()
	pubNTP := func(ts uint32) float64 { // the publisher's NTP seconds at an RTP timestamp
		return ntpSeconds(start.Add(ahead)) + float64(int32(ts-ts0))/90000 //nolint:gosec // RTP time difference
	}
	ssrc := uint32(sender.GetParameters().Encodings[0].SSRC)
	stop := make(chan struct{})
	sent := make(chan struct{})
	frames := readIVF(t, fixture("clip-vp8.ivf"))
	go func() { // the clip's frames at 30 fps, a sender report every 200 ms
		defer close(sent)
		pk := rtp.NewPacketizer(1200, 96, ssrc, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for _, p := range pk.Packetize(frames[i%len(frames)], 3000) {
				p.Timestamp = ts0 + uint32(i)*3000 //nolint:gosec // a short test
				_ = track.WriteRTP(p)
			}
			if i%6 == 0 {
				now := time.Now()
				sr := &rtcp.SenderReport{SSRC: ssrc, NTPTime: toNTP(now.Add(ahead)), RTPTime: ts0 + uint32(now.Sub(start).Seconds()*90000)}
				_ = pc.WriteRTCP([]rtcp.Packet{sr})
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-sent })

	var skew atomic.Int64 // nanoseconds between a viewer report's NTP time and the publisher's for its RTP time; 0: none yet
	subscribe(t, s.whep(), viewerOptions{onSenderReport: func(k webrtc.RTPCodecType, sr *rtcp.SenderReport) {
		if k == webrtc.RTPCodecTypeVideo {
			d := time.Duration((ntpSeconds64(sr.NTPTime) - pubNTP(sr.RTPTime)) * float64(time.Second))
			skew.Store(int64(d) | 1) // never 0
		}
	}})
	// The viewer's first report may come before the publisher's first
	// reached the SFU (it is then in the SFU's clock); a later one may not.
	within := func() bool {
		d := time.Duration(skew.Load())
		return d != 0 && d > -20*time.Millisecond && d < 20*time.Millisecond
	}
	for deadline := time.Now().Add(10 * time.Second); !within() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if d := time.Duration(skew.Load()); !within() {
		t.Fatalf("the viewer's latest sender report is %v off the publisher's clock (0: none came), want within 20 ms", d)
	}
}

// ntpSeconds is t in seconds since the NTP epoch (1900).
func ntpSeconds(t time.Time) float64 { return float64(t.UnixNano())/1e9 + 2208988800 }

// toNTP is t as a 64-bit NTP timestamp.
func toNTP(t time.Time) uint64 {
	secs := uint64(t.Unix()) + 2208988800 //nolint:gosec // after 1970
	return secs<<32 | uint64(t.Nanosecond())<<32/1e9
}

// ntpSeconds64 is a 64-bit NTP timestamp in seconds.
func ntpSeconds64(ntp uint64) float64 { return float64(ntp>>32) + float64(ntp&0xffffffff)/(1<<32) }

// readIVF returns the frames of an IVF file.
func readIVF(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // a fixture
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, _, err := ivfreader.NewWith(f)
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for {
		frame, _, err := r.ParseNextFrame()
		if err != nil {
			return frames
		}
		frames = append(frames, frame)
	}
}

// reportSink is a packet sink that takes sender reports, as the recorder's.
type reportSink struct {
	lastTS  atomic.Uint32
	reports atomic.Int32
	skew    atomic.Int64 // RTP ticks from the latest packet to the latest report's timestamp
}

func (s *reportSink) WriteRTP(p *rtp.Packet) error { s.lastTS.Store(p.Timestamp); return nil }
func (s *reportSink) End()                         {}
func (s *reportSink) WriteSenderReport(_ uint64, ts uint32) {
	s.skew.Store(int64(int32(ts - s.lastTS.Load()))) //nolint:gosec // RTP time difference
	s.reports.Add(1)
}

// A track's sink that takes sender reports gets the publisher's, for the
// track it records.
func TestSinkGetsSenderReports(t *testing.T) {
	sinks := map[string]*reportSink{"video": {}, "audio": {}}
	s := newServer(t, serverOptions{onTrack: func(_ media.RoomID, ti media.TrackInfo) media.PacketSink { return sinks[ti.Kind] }})
	publish(t, whipclient.PublishOptions{URL: s.whip(), Files: []string{fixture("clip-vp8.ivf"), fixture("clip.ogg")}, Loop: true})
	// pion's publisher reports every second.
	waitFor(t, 10*time.Second, "a sender report on each track's sink", func() bool {
		return sinks["video"].reports.Load() > 0 && sinks["audio"].reports.Load() > 0
	})
	for kind, rate := range map[string]int64{"video": 90000, "audio": 48000} {
		// The report's timestamp is the publisher's clock now, near the latest packet's.
		if d := sinks[kind].skew.Load(); d < -rate || d > rate {
			t.Errorf("%s: report %d ticks from the latest packet, want within a second's (%d)", kind, d, rate)
		}
	}
}
