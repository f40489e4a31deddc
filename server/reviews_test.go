package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"atelier/review"
	"atelier/review/media"
	"atelier/review/recording"
	"atelier/review/whipclient"
	"atelier/server"
	"atelier/server/auth"
	"atelier/store"
)

// loopbackRTC is the test network: loopback UDP over IPv4, no STUN.
func loopbackRTC() media.Config {
	return media.Config{
		InterfaceFilter: func(n string) bool { return n == "lo" },
		IncludeLoopback: true,
		NetworkTypes:    []webrtc.NetworkType{webrtc.NetworkTypeUDP4},
	}
}

// hookSink is a webhook receiver that keeps what it was sent.
type hookSink struct {
	mu       sync.Mutex
	payloads []review.WebhookPayload
	badSigs  int
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get(review.SignatureHeader) != review.Sign("hook-secret", body) {
		h.badSigs++
	}
	var p review.WebhookPayload
	if json.Unmarshal(body, &p) == nil {
		h.payloads = append(h.payloads, p)
	}
}

func (h *hookSink) events() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, p := range h.payloads {
		out = append(out, p.Event+" "+string(p.Task.Status))
	}
	return out
}

// reviewServer runs a server with the review service and media engine.
type reviewServer struct {
	*testServer
	hooks      *hookSink
	svc        *review.Service
	recordings string // the recordings directory
}

func startReviewServer(t *testing.T, open opener) *reviewServer {
	t.Helper()
	return serveReview(t, newReviewBackend(t, open), t.TempDir())
}

// reviewBackend is a store and a running review service: what a process
// has before its server starts.
type reviewBackend struct {
	st    store.Store
	svc   *review.Service
	hooks *hookSink
}

func newReviewBackend(t *testing.T, open opener) *reviewBackend {
	t.Helper()
	hooks := &hookSink{}
	hookSrv := httptest.NewServer(hooks)
	t.Cleanup(hookSrv.Close)
	st := open(t)
	svc := review.New(st, slog.New(slog.DiscardHandler), review.Config{Webhook: review.WebhookConfig{URL: hookSrv.URL, Secret: "hook-secret", Backoff: 10 * time.Millisecond}})
	if err := svc.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(); _ = st.Close() }) // after the server stops
	return &reviewBackend{st: st, svc: svc, hooks: hooks}
}

// serveReview runs a server with b's review service, a media engine and
// recordings in the recordings directory.
func serveReview(t *testing.T, b *reviewBackend, recordings string) *reviewServer {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	eng, err := media.NewEngine(loopbackRTC(), log)
	if err != nil {
		t.Fatal(err)
	}
	net := loopbackRTC()
	ts := serveStore(t, b.st, "s3cret", server.Config{Review: b.svc, Media: eng, RecordingsDir: recordings,
		Playback: recording.Config{InterfaceFilter: net.InterfaceFilter, IncludeLoopback: true, NetworkTypes: net.NetworkTypes}})
	t.Cleanup(ts.stop)
	return &reviewServer{testServer: ts, hooks: b.hooks, svc: b.svc, recordings: recordings}
}

// call makes a JSON request and decodes the answer into out (if not nil),
// failing unless the status is want.
func (rs *reviewServer) call(t *testing.T, method, path, token string, body, out any, want int) {
	t.Helper()
	resp, b := rs.do(t, method, path, token, body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %s %s, want %d", method, path, resp.Status, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

type sessionResp struct {
	ID    string               `json:"id"`
	Role  string               `json:"role"`
	Live  bool                 `json:"live"`
	World string               `json:"world"`
	State review.PlaybackState `json:"state"`
}

// The review edge end to end: roles, a publisher and a viewer over WHIP
// and WHEP, a pause at the viewer's frame shared on the channel, an
// annotation that takes the build's context and raises a task (webhook),
// its frame image, exports, and bad input that stores nothing.
func TestReviewSession(t *testing.T) { bothStores(t, testReviewSession) }

func testReviewSession(t *testing.T, open opener) {
	rs := startReviewServer(t, open)
	ana, _ := rs.auth.Issue("ana", nil, auth.RoleEditor, time.Hour)
	rita, _ := rs.auth.Issue("rita", nil, auth.RoleReviewer, time.Hour)
	vic, _ := rs.auth.Issue("vic", nil, auth.RoleViewer, time.Hour)
	w := rs.createWorld(t, ana, "Harbor")

	var sess sessionResp
	rs.call(t, http.MethodPost, "/api/reviews", ana, map[string]string{"title": "Dock pass", "world": w.ID, "build": "b7"}, &sess, http.StatusCreated)
	if sess.Role != "driver" || len(sess.ID) < 22 || sess.Live {
		t.Fatalf("created %+v", sess)
	}
	rs.call(t, http.MethodPost, "/api/reviews", vic, map[string]string{"title": "x"}, nil, http.StatusForbidden)
	rs.call(t, http.MethodPost, "/api/reviews", "", map[string]string{"title": "x"}, nil, http.StatusUnauthorized)
	base := "/api/reviews/" + sess.ID
	for tok, role := range map[string]string{rita: "annotator", vic: "viewer"} {
		var got sessionResp
		rs.call(t, http.MethodGet, base, tok, nil, &got, http.StatusOK)
		if got.Role != role {
			t.Fatalf("joined as %q, want %q", got.Role, role)
		}
	}
	rs.call(t, http.MethodGet, "/api/reviews/nope", ana, nil, nil, http.StatusNotFound)
	var listed struct{ Reviews []sessionResp }
	rs.call(t, http.MethodGet, "/api/reviews", vic, nil, &listed, http.StatusOK)
	if len(listed.Reviews) != 1 || listed.Reviews[0].ID != sess.ID || listed.Reviews[0].Role != "viewer" {
		t.Fatalf("listed %+v", listed.Reviews)
	}
	rs.call(t, http.MethodGet, "/api/reviews?limit=0", vic, nil, nil, http.StatusBadRequest)
	rs.call(t, http.MethodPost, base+"/control", rita, review.Command{Action: review.ActionPause, MediaTime: 1}, nil, http.StatusForbidden)
	rs.call(t, http.MethodPost, base+"/control", vic, review.Command{Action: review.ActionPause, MediaTime: 1}, nil, http.StatusForbidden)

	channel := dialChannel(t, rs, base, rita)
	if m := channel.next(t, "snapshot"); m.State == nil || m.State.Driver != "ana" {
		t.Fatalf("snapshot %+v", m)
	}

	// vic may not publish; ana's build does, with its context.
	rs.call(t, http.MethodPost, base+"/whip", vic, nil, nil, http.StatusForbidden)
	stop := publishClip(t, rs.base+base+"/whip", ana, w.ID)
	defer stop()
	viewer := watchReview(t, rs.base+base+"/whep", vic)
	waitUntil(t, 10*time.Second, "vic to receive 20 frames", func() bool { return viewer.frames.Load() >= 20 })
	channel.next(t, "media")
	var live sessionResp
	rs.call(t, http.MethodGet, base, vic, nil, &live, http.StatusOK)
	if !live.Live {
		t.Fatal("the session is not live while ana publishes")
	}

	// ana pauses at the frame vic shows: the server finds its media time.
	rtp := viewer.lastTS.Load()
	var st review.PlaybackState
	rs.call(t, http.MethodPost, base+"/control", ana, map[string]any{"action": "pause", "rtpTimestamp": rtp}, &st, http.StatusOK)
	if !st.Paused || st.RTPTimestamp != rtp || st.MediaTime <= 0 {
		t.Fatalf("paused state %+v for RTP %d", st, rtp)
	}
	if m := channel.next(t, "state"); m.State == nil || !m.State.Paused || m.State.RTPTimestamp != rtp {
		t.Fatalf("channel state %+v", m.State)
	}

	// Bad input stores nothing; a good annotation takes the build's context.
	shapes := []review.Shape{{Kind: review.ShapeRect, Points: []review.Point{{0.1, 0.1}, {0.4, 0.5}}}}
	rs.call(t, http.MethodPost, base+"/annotations", rita, review.AnnotationInput{Shapes: shapes, Colour: "red"}, nil, http.StatusBadRequest)
	rs.call(t, http.MethodPost, base+"/annotations", vic, review.AnnotationInput{Shapes: shapes, Colour: "#ff0000"}, nil, http.StatusForbidden)
	var noted struct {
		Annotation review.Annotation `json:"annotation"`
		Task       *review.Task      `json:"task"`
	}
	playerTime := 0.5 // the browser player's own clock, which the stream's overrides
	in := review.AnnotationInput{Shapes: shapes, Colour: "#ff0000", Text: "crate floats", RTPTimestamp: &rtp, MediaTime: &playerTime,
		Task: &review.TaskInput{Title: "Fix floating crate", Priority: "high"}}
	rs.call(t, http.MethodPost, base+"/annotations", rita, in, &noted, http.StatusCreated)
	a := noted.Annotation
	if noted.Task == nil || noted.Task.Title != "Fix floating crate" || a.Camera == nil || string(a.World) != w.ID || a.Tick == 0 || a.MediaTime != st.MediaTime {
		t.Fatalf("annotation %+v, task %+v", a, noted.Task)
	}
	if !strings.HasPrefix(a.DeepLink, "/worlds/"+w.ID+"?camera=") {
		t.Fatalf("deep link %q", a.DeepLink)
	}
	var list struct{ Annotations []review.Annotation }
	rs.call(t, http.MethodGet, base+"/annotations", vic, nil, &list, http.StatusOK)
	if len(list.Annotations) != 1 {
		t.Fatalf("%d annotations after one good and two refused", len(list.Annotations))
	}
	channel.next(t, "annotation")

	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	png := img.Bytes()
	frame := base + "/annotations/" + string(a.ID) + "/frame"
	resp, b := rs.raw(t, http.MethodPut, frame, vic, "image/png", png)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer's frame upload: %s %s", resp.Status, b)
	}
	if resp, b = rs.raw(t, http.MethodPut, frame, rita, "image/png", png); resp.StatusCode != http.StatusOK {
		t.Fatalf("frame upload: %s %s", resp.Status, b)
	}
	if resp, _ = rs.raw(t, http.MethodGet, base+"/annotations/nope/frame", vic, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("frame of an unknown annotation: %s", resp.Status)
	}
	if resp, b = rs.raw(t, http.MethodGet, frame, vic, "", nil); resp.StatusCode != 200 || !bytes.Equal(b, png) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("frame read: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}

	var task review.Task
	rs.call(t, http.MethodPatch, "/api/tasks/"+string(noted.Task.ID), vic, map[string]string{"status": "done"}, nil, http.StatusForbidden)
	rs.call(t, http.MethodPatch, "/api/tasks/"+string(noted.Task.ID), rita, map[string]string{"status": "done"}, &task, http.StatusOK)
	waitUntil(t, 5*time.Second, "the webhook to hear of the task twice", func() bool { return len(rs.hooks.events()) == 2 })
	if got := strings.Join(rs.hooks.events(), ", "); got != "task.created open, task.updated done" || rs.hooks.badSigs != 0 {
		t.Fatalf("webhook got %q (%d bad signatures)", got, rs.hooks.badSigs)
	}
	var tasks struct{ Tasks []review.Task }
	rs.call(t, http.MethodGet, "/api/tasks?session="+sess.ID, vic, nil, &tasks, http.StatusOK)
	if len(tasks.Tasks) != 1 || tasks.Tasks[0].Status != "done" {
		t.Fatalf("tasks %+v", tasks.Tasks)
	}

	resp, b = rs.raw(t, http.MethodGet, base+"/notes?format=csv", vic, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), string(a.ID)) || !strings.Contains(string(b), "Fix floating crate") {
		t.Fatalf("notes CSV: %s %s", resp.Status, b)
	}
	resp, b = rs.raw(t, http.MethodGet, base+"/events", vic, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"pause"`) || !strings.Contains(string(b), `"annotate"`) {
		t.Fatalf("events: %s %s", resp.Status, b)
	}
	rs.call(t, http.MethodGet, base+"/events?format=xml", vic, nil, nil, http.StatusBadRequest)
}

// raw makes a request with a raw body and returns the answer.
func (rs *reviewServer) raw(t *testing.T, method, path, token, ctype string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, rs.base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// channelClient reads a session's channel.
type channelClient struct {
	msgs chan review.Message
}

func dialChannel(t *testing.T, rs *reviewServer, base, token string) *channelClient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(rs.base, "http") + base + "/channel?token=" + token
	conn, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("channel: %v (%v)", err, resp)
	}
	c := &channelClient{msgs: make(chan review.Message, 256)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var m review.Message
			if json.Unmarshal(b, &m) == nil {
				c.msgs <- m
			}
		}
	}()
	t.Cleanup(func() { _ = conn.Close(); <-done })
	return c
}

// next returns the next message of type typ, skipping others.
func (c *channelClient) next(t *testing.T, typ string) review.Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-c.msgs:
			if os.Getenv("CHANNEL_DEBUG") != "" {
				t.Logf("channel: %+v", m)
			}
			if m.Type == typ {
				return m
			}
		case <-deadline:
			t.Fatalf("no %q message on the channel within 10s", typ)
		}
	}
}

// publishClip publishes the VP8 test clip, looped, with context samples.
func publishClip(t *testing.T, url, token, world string) (stop func()) {
	return publishClipOnce(t, url, token, world, true)
}

// publishClipOnce publishes the VP8 test clip (looped or once).
func publishClipOnce(t *testing.T, url, token, world string, loop bool) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var tick atomic.Int64
	go func() {
		done <- whipclient.Publish(ctx, whipclient.PublishOptions{
			URL: url, Token: token, Files: []string{"../review/testdata/clip-vp8.ivf"}, Loop: loop, Network: loopbackRTC(),
			Context: func(float64) (media.ContextSample, bool) {
				return media.ContextSample{World: world, Build: "b7", Tick: tick.Add(1), Camera: &media.Camera{P: []float64{1, 2, 3}, Q: []float64{0, 0, 0, 1}}}, true
			},
		})
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("publish: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// rtcViewer is a pion WHEP viewer counting video frames.
type rtcViewer struct {
	pc       *webrtc.PeerConnection
	location string // the WHEP session's resource
	frames   atomic.Int64
	lastTS   atomic.Uint32
	wg       sync.WaitGroup
}

func watchReview(t *testing.T, url, token string) *rtcViewer {
	t.Helper()
	api, err := media.NewAPI(loopbackRTC(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	v := &rtcViewer{pc: pc}
	t.Cleanup(func() { _ = pc.Close(); v.wg.Wait() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		v.wg.Add(1)
		defer v.wg.Done()
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if pkt.Timestamp != v.lastTS.Load() {
				v.frames.Add(1)
				v.lastTS.Store(pkt.Timestamp)
			}
		}
	})
	gathered := webrtc.GatheringCompletePromise(pc)
	offer, err := pc.CreateOffer(nil)
	if err == nil {
		err = pc.SetLocalDescription(offer)
	}
	if err != nil {
		t.Fatal(err)
	}
	<-gathered
	var resp *http.Response
	var answer []byte
	waitUntil(t, 10*time.Second, "the WHEP offer to be answered", func() bool {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(pc.LocalDescription().SDP))
		req.Header.Set("Content-Type", "application/sdp")
		req.Header.Set("Authorization", "Bearer "+token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		resp, answer = r, must(io.ReadAll(r.Body))
		return r.StatusCode != http.StatusConflict // 409: no publisher yet
	})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHEP: %s %s", resp.Status, answer)
	}
	v.location = resp.Header.Get("Location")
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(answer)}); err != nil {
		t.Fatal(err)
	}
	return v
}

func must[T any](v T, _ error) T { return v }

// A publication is recorded; the recording plays to a group over WHEP,
// and the session driver's seek and pause apply to every viewer.
func TestReviewRecording(t *testing.T) {
	rs := startReviewServer(t, openSQLite)
	ana, _ := rs.auth.Issue("ana", nil, auth.RoleEditor, time.Hour)
	vic, _ := rs.auth.Issue("vic", nil, auth.RoleViewer, time.Hour)
	var sess sessionResp
	rs.call(t, http.MethodPost, "/api/reviews", ana, map[string]string{"title": "Recorded"}, &sess, http.StatusCreated)
	base := "/api/reviews/" + sess.ID
	channel := dialChannel(t, rs, base, vic)
	channel.next(t, "snapshot")

	stop := publishClipOnce(t, rs.base+base+"/whip", ana, "", false) // the 2 s clip, once
	if m := channel.next(t, "media"); m.Event != "live" {
		t.Fatalf("media message %+v, want live", m)
	}
	// The recording starts at the publication's first packet, which can
	// come after "live" (the connection): bob joins once it has started.
	waitUntil(t, 5*time.Second, "the recording to start", func() bool {
		dirs, _ := filepath.Glob(filepath.Join(rs.recordings, "*", "session.json"))
		return len(dirs) == 1
	})
	bob, _ := rs.auth.Issue("bob", nil, auth.RoleEditor, time.Hour)
	rs.call(t, http.MethodGet, base, bob, nil, nil, http.StatusOK) // bob joins while it is recorded
	if m := channel.next(t, "media"); m.Event != "ended" {         // the clip played to its end
		t.Fatalf("media message %+v, want ended", m)
	}
	stop()
	type recJSON struct {
		ID        string
		Duration  float64
		Frames    int
		Keyframes []float64
	}
	var list struct{ Recordings []recJSON }
	waitUntil(t, 10*time.Second, "the recording to be listed", func() bool {
		rs.call(t, http.MethodGet, base+"/recordings", vic, nil, &list, http.StatusOK)
		return len(list.Recordings) == 1
	})
	rec := list.Recordings[0]
	if rec.Frames < 30 || rec.Frames > 60 || rec.Duration <= 0.9 || len(rec.Keyframes) == 0 || rec.Keyframes[0] != 0 {
		t.Fatalf("recording %+v: want 30–60 frames of the 2 s clip from a keyframe", rec)
	}
	// A manifest written before keyframe times were kept in it: they are
	// read from the index instead.
	manifest := filepath.Join(rs.recordings, rec.ID, recording.ManifestFile)
	var raw map[string]any
	if err := json.Unmarshal(must(os.ReadFile(manifest)), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["video"].(map[string]any)["keyTimes"]; !ok {
		t.Fatalf("manifest without keyTimes: %v", raw["video"])
	}
	delete(raw["video"].(map[string]any), "keyTimes")
	if err := os.WriteFile(manifest, must(json.Marshal(raw)), 0o600); err != nil {
		t.Fatal(err)
	}
	var legacy struct{ Recordings []recJSON }
	rs.call(t, http.MethodGet, base+"/recordings", vic, nil, &legacy, http.StatusOK)
	if len(legacy.Recordings) != 1 || !reflect.DeepEqual(legacy.Recordings[0], rec) {
		t.Fatalf("recording with an older manifest %+v, want %+v", legacy.Recordings, rec)
	}
	// The recording's event log holds the events of its span at their own
	// media times: bob's join, not the joins before the stream.
	onDisk, err := recording.Open(filepath.Join(rs.recordings, rec.ID))
	if err != nil {
		t.Fatal(err)
	}
	logged, err := onDisk.Events()
	if err != nil {
		t.Fatal(err)
	}
	var joins []string
	for _, e := range logged {
		var ev review.Event
		if json.Unmarshal(e.Data, &ev) == nil && ev.Kind == review.EventJoin {
			joins = append(joins, ev.User)
			// bob joined as the stream went live, not at the recording's end
			// (when the log is written).
			if e.MediaTime < -0.5 || e.MediaTime > rec.Duration-0.25 {
				t.Errorf("%s's join at media time %.2f, want near the start of the %.2f s recording", ev.User, e.MediaTime, rec.Duration)
			}
		}
	}
	if len(joins) != 1 || joins[0] != "bob" {
		t.Fatalf("joins in the recording's event log %v, want bob's alone", joins)
	}
	dir := "/api/recordings/" + rec.ID
	viewers := []*rtcViewer{watchReview(t, rs.base+dir+"/whep", vic), watchReview(t, rs.base+dir+"/whep", ana)}
	rs.call(t, http.MethodPost, dir+"/control", vic, map[string]any{"action": "play"}, nil, http.StatusForbidden)
	rs.call(t, http.MethodPost, dir+"/control", ana, map[string]any{"action": "rewind"}, nil, http.StatusBadRequest)
	var st recording.PlayerState
	rs.call(t, http.MethodPost, dir+"/control", ana, map[string]any{"action": "play"}, &st, http.StatusOK)
	waitUntil(t, 10*time.Second, "both viewers to receive 10 frames", func() bool {
		return viewers[0].frames.Load() >= 10 && viewers[1].frames.Load() >= 10
	})
	rs.call(t, http.MethodPost, dir+"/control", ana, map[string]any{"action": "pause"}, &st, http.StatusOK)
	waitUntil(t, 5*time.Second, "both viewers to hold the paused frame", func() bool {
		return viewers[0].lastTS.Load() == st.RTPTimestamp && viewers[1].lastTS.Load() == st.RTPTimestamp
	})
	rs.call(t, http.MethodPost, dir+"/control", ana, map[string]any{"action": "seek", "mediaTime": 99}, &st, http.StatusOK)
	if st.MediaTime > rec.Duration || st.Playing {
		t.Fatalf("seek past the end: %+v", st)
	}
	waitUntil(t, 5*time.Second, "both viewers to show the frame sought to", func() bool {
		return viewers[0].lastTS.Load() == st.RTPTimestamp && viewers[1].lastTS.Load() == st.RTPTimestamp
	})
	if m := channel.next(t, "playback"); m.Recording != rec.ID {
		t.Fatalf("playback message %+v", m)
	}

	// A note on the playback keeps its media time and takes the build's
	// context recorded at that time.
	var noted struct{ Annotation review.Annotation }
	shapes := []review.Shape{{Kind: review.ShapeArrow, Points: []review.Point{{0.1, 0.1}, {0.5, 0.5}}}}
	in := review.AnnotationInput{Shapes: shapes, Colour: "#00ff00", Text: "later", MediaTime: &st.MediaTime, RTPTimestamp: &st.RTPTimestamp}
	rs.call(t, http.MethodPost, base+"/annotations?recording=nope", ana, in, nil, http.StatusNotFound)
	rs.call(t, http.MethodPost, base+"/annotations?recording="+rec.ID, ana, in, &noted, http.StatusCreated)
	if a := noted.Annotation; math.Abs(a.MediaTime-st.MediaTime) > 1e-6 || a.Tick == 0 || a.Camera == nil || a.Camera.P != [3]float64{1, 2, 3} {
		t.Fatalf("note on the recording at %v: %+v", st.MediaTime, a)
	}
	rs.call(t, http.MethodGet, "/api/recordings/nope", vic, nil, nil, http.StatusNotFound)

	// Nobody watching: the playback is closed (its files and goroutine freed).
	var got struct{ Playback *json.RawMessage }
	rs.srv.SweepPlaybacks(0)
	rs.call(t, http.MethodGet, dir, vic, nil, &got, http.StatusOK)
	if got.Playback == nil {
		t.Fatal("a watched playback was closed")
	}
	for _, v := range viewers {
		_ = v.pc.Close()
	}
	waitUntil(t, 10*time.Second, "the idle playback to be closed", func() bool {
		rs.srv.SweepPlaybacks(0)
		got.Playback = nil
		rs.call(t, http.MethodGet, dir, vic, nil, &got, http.StatusOK)
		return got.Playback == nil
	})
}

// waitUntil polls cond every 10ms until it holds or d passes.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
