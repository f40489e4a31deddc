package media_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"

	"atelier/review/media"
	"atelier/review/whipclient"
)

// loopback is the test network: loopback UDP over IPv4 only, no STUN.
func loopback() media.Config {
	return media.Config{
		InterfaceFilter: func(n string) bool { return n == "lo" },
		IncludeLoopback: true,
		NetworkTypes:    []webrtc.NetworkType{webrtc.NetworkTypeUDP4},
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("MEDIA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func fixture(name string) string { return "../testdata/" + name }

// testServer is an httptest server with the WHIP/WHEP handler mounted at
// /api/reviews/{id}, and one room, "r1".
type testServer struct {
	srv  *httptest.Server
	eng  *media.Engine
	room *media.Room

	mu   sync.Mutex
	seen []string // "METHOD /path status" of every request
}

// requests returns the requests served so far.
func (s *testServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// record wraps h to note each request and its status.
func (s *testServer) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		s.mu.Lock()
		s.seen = append(s.seen, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, sw.status))
		s.mu.Unlock()
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// serverOptions tune newServer.
type serverOptions struct {
	cfg       media.Config
	authorize func(*http.Request, media.RoomID, media.Action) error
	onSample  func(media.RoomID, media.ContextSample)
	onTrack   func(media.RoomID, media.TrackInfo) media.PacketSink
}

func newServer(t testing.TB, o serverOptions) *testServer {
	t.Helper()
	cfg := o.cfg
	base := loopback()
	cfg.InterfaceFilter, cfg.IncludeLoopback, cfg.NetworkTypes = base.InterfaceFilter, base.IncludeLoopback, base.NetworkTypes
	eng, err := media.NewEngine(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	room := eng.NewRoom("r1", media.RoomOptions{OnSample: o.onSample, OnTrack: o.onTrack})
	h := media.NewHandler(media.HandlerConfig{
		Rooms: func(_ context.Context, id media.RoomID) (*media.Room, error) {
			if id != room.ID() {
				return nil, media.ErrRoomNotFound
			}
			return room, nil
		},
		Authorize: o.authorize,
		Logger:    testLogger(t),
	})
	mux := http.NewServeMux()
	h.Register(mux, "/api/reviews/{id}")
	ts := &testServer{eng: eng, room: room}
	ts.srv = httptest.NewServer(ts.record(mux))
	srv := ts.srv
	t.Cleanup(func() {
		srv.Close()
		http.DefaultClient.CloseIdleConnections()
		if err := room.Close(); err != nil {
			t.Error(err)
		}
	})
	return ts
}

func (s *testServer) whip() string { return s.srv.URL + "/api/reviews/r1/whip" }
func (s *testServer) whep() string { return s.srv.URL + "/api/reviews/r1/whep" }

// publish runs whipclient.Publish in the background until the test ends
// (or stop is called) and returns stop, which waits for it.
func publish(t testing.TB, opts whipclient.PublishOptions) (stop func() error) {
	t.Helper()
	opts.Network = loopback()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- whipclient.Publish(ctx, opts) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Publish did not return within 10s of its context ending")
			}
			if errors.Is(err, context.Canceled) {
				err = nil
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("publish: %v", err)
		}
	})
	return stop
}

// waitFor polls cond every 10ms until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// viewer is a WHEP client made of a real pion peer that counts what it
// receives.
type viewer struct {
	pc       *webrtc.PeerConnection
	resource string
	joined   time.Time
	wg       sync.WaitGroup

	videoPackets, audioPackets, frames atomic.Int64
	keyframes                          atomic.Int64
	firstKeyframe                      atomic.Int64 // ns after the WHEP POST was sent, 0 before
	firstIsKeyframe                    atomic.Int32 // 1 yes, 2 no
	videoSSRC                          atomic.Uint32
	paused                             atomic.Bool // stop reading (a dead viewer)
}

// viewerOptions tune subscribe.
type viewerOptions struct {
	noRead     bool // never read the tracks: a viewer that is stuck
	pionCodecs bool // offer pion's default codecs (H.264 42001f before 42e01f, as many clients list them), not the engine's
	// onSenderReport, if set, gets every sender report the SFU sends on a track.
	onSenderReport func(webrtc.RTPCodecType, *rtcp.SenderReport)
}

// subscribe makes a pion viewer and POSTs its offer to the WHEP endpoint.
func subscribe(t testing.TB, url string, o viewerOptions) *viewer {
	t.Helper()
	api, err := media.NewAPI(loopback(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if o.pionCodecs {
		api = pionDefaultAPI(t)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	v := &viewer{pc: pc}
	t.Cleanup(v.close)
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Fatal(err)
		}
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		if o.noRead {
			return
		}
		v.wg.Add(1)
		defer v.wg.Done()
		if o.onSenderReport != nil {
			v.wg.Add(1)
			go func() {
				defer v.wg.Done()
				for {
					pkts, _, err := recv.ReadRTCP()
					if err != nil {
						return
					}
					for _, p := range pkts {
						if sr, ok := p.(*rtcp.SenderReport); ok {
							o.onSenderReport(tr.Kind(), sr)
						}
					}
				}
			}()
		}
		v.read(tr)
	})
	offer := localOffer(t, pc)
	v.joined = time.Now()
	resp, body := do(t, http.MethodPost, url, media.ContentTypeSDP, offer, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHEP POST: %s: %s", resp.Status, body)
	}
	v.resource = resp.Header.Get("Location")
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
		t.Fatal(err)
	}
	return v
}

// pionDefaultAPI is a pion API with pion's default codecs and interceptors
// and the loopback network settings.
func pionDefaultAPI(t testing.TB) *webrtc.API {
	t.Helper()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, reg); err != nil {
		t.Fatal(err)
	}
	se, err := loopback().SettingEngine(testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
}

// read counts a track's packets; video frames by timestamp change, VP8
// keyframes by their payload header.
func (v *viewer) read(tr *webrtc.TrackRemote) {
	video := tr.Kind() == webrtc.RTPCodecTypeVideo
	if video {
		v.videoSSRC.Store(uint32(tr.SSRC()))
	}
	vp8 := strings.EqualFold(tr.Codec().MimeType, webrtc.MimeTypeVP8)
	var lastTS uint32
	for n := 0; ; n++ {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		if !video {
			v.audioPackets.Add(1)
			continue
		}
		v.videoPackets.Add(1)
		if n == 0 || pkt.Timestamp != lastTS {
			v.frames.Add(1)
			lastTS = pkt.Timestamp
		}
		if vp8 {
			v.noteVP8(pkt, n == 0)
		}
	}
}

func (v *viewer) noteVP8(pkt *rtp.Packet, first bool) {
	var p codecs.VP8Packet
	data, err := p.Unmarshal(pkt.Payload)
	key := err == nil && p.S == 1 && p.PID == 0 && len(data) > 0 && data[0]&1 == 0
	if first {
		v.firstIsKeyframe.Store(map[bool]int32{true: 1, false: 2}[key])
	}
	if key {
		v.keyframes.Add(1)
		v.firstKeyframe.CompareAndSwap(0, int64(time.Since(v.joined)))
	}
}

func (v *viewer) close() {
	_ = v.pc.Close()
	v.wg.Wait()
}

// localOffer creates pc's offer and returns it with every candidate.
func localOffer(t testing.TB, pc *webrtc.PeerConnection) string {
	t.Helper()
	gathered := webrtc.GatheringCompletePromise(pc)
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(5 * time.Second):
		t.Fatal("ICE gathering did not complete")
	}
	return pc.LocalDescription().SDP
}

// do sends one request and returns the response and its body.
func do(t testing.TB, method, url, contentType, body string, header http.Header) (*http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
