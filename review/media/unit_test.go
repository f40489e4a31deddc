package media

import (
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

func TestParseFragment(t *testing.T) {
	f, err := parseFragment("a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n" +
		"a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1\r\n" +
		"a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0\r\n" +
		"a=end-of-candidates\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if f.ufrag != "EsAw" || f.pwd != "P2uYro0UCOQ4zxjKXaWCBui1" || len(f.candidates) != 2 || *f.candidates[0].SDPMid != "0" {
		t.Errorf("parsed %+v", f)
	}
	for _, bad := range []string{"hello", "x", "m=audio\r\n", "a=candidate:1 1 udp nope 1.2.3.4 5 typ host\r\n", "=a\r\n"} {
		if _, err := parseFragment(bad); !errors.Is(err, ErrBadFragment) {
			t.Errorf("%q: %v, want ErrBadFragment", bad, err)
		}
	}
	if f, err := parseFragment(""); err != nil || len(f.candidates) != 0 {
		t.Errorf("empty fragment: %+v %v", f, err)
	}
}

func TestClockUnwraps(t *testing.T) {
	c := &clock{rate: 90000}
	now := time.Now()
	start := uint32(0xFFFF0000)
	c.advance(start, now)
	c.advance(start+90000, now) // wraps past 2^32
	c.advance(start+45000, now) // reordered: ignored
	got, ok := c.read()
	if !ok || got.MediaTime != 1 || got.RTPTimestamp != start+90000 {
		t.Fatalf("clock %+v, want media time 1s", got)
	}
	if mt := got.MediaTimeOf(start + 45000); mt != 0.5 {
		t.Errorf("MediaTimeOf half a second back: %v", mt)
	}
	if _, ok := (&clock{rate: 90000}).read(); ok {
		t.Error("a clock with no packet reads ok")
	}
}

func TestParseSample(t *testing.T) {
	s, err := parseSample([]byte(`{"mediaTime":1.5,"rtpTimestamp":4000,"camera":{"p":[1,2,3],"q":[0,0,0,1]},` +
		`"world":"w","build":"b","tick":7,"nodes":["a","b"],"future":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.MediaTime != 1.5 || *s.RTPTimestamp != 4000 || s.Camera.P[2] != 3 || s.Tick != 7 || len(s.Nodes) != 2 {
		t.Errorf("parsed %+v", s)
	}
	for _, bad := range []string{`{`, `{"mediaTime":-1}`, `{"mediaTime":1,"camera":{"p":[1,2],"q":[0,0,0,1]}}`,
		`{"mediaTime":"x"}`, `[]`} {
		if _, err := parseSample([]byte(bad)); !errors.Is(err, ErrBadSample) {
			t.Errorf("%s: %v, want ErrBadSample", bad, err)
		}
	}
	nodes, _ := json.Marshal(map[string]any{"mediaTime": 0, "nodes": make([]string, maxSampleNodes+1)})
	if _, err := parseSample(nodes); !errors.Is(err, ErrBadSample) {
		t.Errorf("too many nodes: %v", err)
	}
}

func TestSampleLogKeepsTheLatest(t *testing.T) {
	l := newSampleLog(3)
	if _, ok := l.latest(); ok || len(l.all()) != 0 {
		t.Fatal("empty log has samples")
	}
	for i := range 5 {
		l.add(ContextSample{Tick: int64(i)})
	}
	all := l.all()
	if len(all) != 3 || all[0].Tick != 2 || all[2].Tick != 4 {
		t.Errorf("history %+v, want ticks 2, 3, 4", all)
	}
	if s, _ := l.latest(); s.Tick != 4 {
		t.Errorf("latest tick %d", s.Tick)
	}
}

// blockingWriter is a viewer track whose writes block until released: a
// viewer whose network stalls.
type blockingWriter struct{ release chan struct{} }

func (w blockingWriter) WriteRTP(*rtp.Packet) error { <-w.release; return nil }

// countingWriter counts its writes.
type countingWriter struct {
	mu sync.Mutex
	n  int
}

func (w *countingWriter) WriteRTP(*rtp.Packet) error { w.mu.Lock(); w.n++; w.mu.Unlock(); return nil }
func (w *countingWriter) count() int                 { w.mu.Lock(); defer w.mu.Unlock(); return w.n }

// TestStalledViewerDropsOnlyItsOwn fans 2000 packets out to a stalled
// viewer and two healthy ones: the forwarder never waits, the healthy ones
// get everything, the stalled one's excess is dropped and counted.
func TestStalledViewerDropsOnlyItsOwn(t *testing.T) {
	f := newForwarder(kindVideo, webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}, nil, 64, slogDiscard())
	stall := blockingWriter{release: make(chan struct{})}
	healthy := []*countingWriter{{}, {}}
	var viewers []*viewer
	var wg sync.WaitGroup
	for i, w := range []rtpWriter{stall, healthy[0], healthy[1]} {
		v := newViewer(nil, nil, 4096)
		if i == 0 {
			v.queue = make(chan queued, 16)
		}
		v.tracks[kindVideo] = w
		viewers = append(viewers, v)
		f.attach(v)
		wg.Add(1)
		go func() { defer wg.Done(); v.pump(nil) }()
	}
	const n = 2000
	start := time.Now()
	for i := range n {
		f.forward(&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i / 10)}, Payload: []byte{0x10, 0x11}})
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("forwarding %d packets took %v beside a stalled viewer", n, d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for healthy[0].count() < n || healthy[1].count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("healthy viewers got %d and %d of %d", healthy[0].count(), healthy[1].count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d := viewers[0].dropped.Load(); d < n-16-1 {
		t.Errorf("stalled viewer dropped %d, want at least %d", d, n-17)
	}
	if viewers[1].dropped.Load() != 0 || viewers[2].dropped.Load() != 0 {
		t.Error("a healthy viewer dropped packets")
	}
	for _, v := range viewers {
		v.end()
	}
	close(stall.release)
	wg.Wait()
}

func TestSameFormat(t *testing.T) {
	h264 := func(fmtp string) webrtc.RTPCodecCapability {
		return webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: fmtp}
	}
	vp9 := func(fmtp string) webrtc.RTPCodecCapability {
		return webrtc.RTPCodecCapability{MimeType: "video/vp9", ClockRate: 90000, SDPFmtpLine: fmtp}
	}
	for _, tc := range []struct {
		a, b webrtc.RTPCodecCapability
		want bool
	}{
		{h264("packetization-mode=1;profile-level-id=42e01f"), h264("profile-level-id=42E034;packetization-mode=1"), true},
		{h264("packetization-mode=1;profile-level-id=42e01f"), h264("packetization-mode=0;profile-level-id=42e01f"), false},
		{h264("packetization-mode=1;profile-level-id=42e01f"), h264("packetization-mode=1;profile-level-id=640c1f"), false},
		// No profile-level-id (GStreamer's rtph264pay): Constrained Baseline, as libwebrtc takes it.
		{h264("packetization-mode=1"), h264("packetization-mode=1;profile-level-id=42e01f"), true},
		{h264("packetization-mode=1;profile-level-id=42e01f"), h264("packetization-mode=1"), true},
		{h264("packetization-mode=1"), h264("packetization-mode=1;profile-level-id=4d001f"), false},
		// Spellings of one profile match (libwebrtc's patterns); different profiles do not.
		{h264("packetization-mode=1;profile-level-id=42c01f"), h264("packetization-mode=1;profile-level-id=42e01f"), true},
		{h264("packetization-mode=1;profile-level-id=42401f"), h264("packetization-mode=1;profile-level-id=42e034"), true},
		{h264("packetization-mode=1;profile-level-id=4d401f"), h264("packetization-mode=1;profile-level-id=4d001f"), true},
		{h264("packetization-mode=1;profile-level-id=42001f"), h264("packetization-mode=1;profile-level-id=42e01f"), false},
		{h264("packetization-mode=1;profile-level-id=640c1f"), h264("packetization-mode=1;profile-level-id=64001f"), false},
		{h264("packetization-mode=1;profile-level-id=zz001f"), h264("packetization-mode=1;profile-level-id=42e01f"), false},
		{vp9(""), vp9("profile-id=0"), true},
		{vp9("profile-id=2"), vp9("profile-id=0"), false},
		{vp9(""), h264(""), false},
	} {
		if got := sameFormat(tc.a, tc.b); got != tc.want {
			t.Errorf("sameFormat(%q, %q) = %v", tc.a.SDPFmtpLine, tc.b.SDPFmtpLine, got)
		}
	}
}

func TestETagMatches(t *testing.T) {
	for _, tc := range []struct {
		h    string
		want bool
	}{{`"abc"`, true}, {`"x", "abc"`, true}, {`*`, true}, {`W/"abc"`, false}, {`abc`, false}, {`"abd"`, false}} {
		if got := etagMatches(tc.h, "abc"); got != tc.want {
			t.Errorf("If-Match %s: %v", tc.h, got)
		}
	}
}

func FuzzParseFragment(f *testing.F) {
	f.Add("a=ice-ufrag:x\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n")
	f.Add("a=end-of-candidates\n")
	f.Fuzz(func(t *testing.T, s string) {
		fr, err := parseFragment(s)
		if err == nil && len(fr.candidates) > maxFragmentCandidates {
			t.Fatalf("%d candidates accepted", len(fr.candidates))
		}
	})
}

func FuzzParseSample(f *testing.F) {
	f.Add([]byte(`{"mediaTime":1,"camera":{"p":[1,2,3],"q":[0,0,0,1]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSample(b)
		if err == nil && s.validate() != nil {
			t.Fatal("accepted an invalid sample")
		}
	})
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
