package media_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"atelier/review/media"
)

// Fan-out load: 30 frames a second of 7 packets of 1200 bytes, about
// 2 Mbps of VP8-shaped RTP (a keyframe every 30 frames).
const (
	fanoutFPS         = 30
	fanoutPerFrame    = 7
	fanoutPacketBytes = 1200
	fanoutSeconds     = 5
	// fanoutPacing is libwebrtc's default pacing factor: a browser's pacer
	// sends at 2.5 × the target bitrate, so a frame's packets leave about
	// 1.9 ms apart instead of together.
	fanoutPacing = 2.5
)

// fanoutGap is the paced publisher's gap between packets.
var fanoutGap = time.Duration(math.Round(float64(time.Second) / (fanoutPacing * fanoutFPS * fanoutPerFrame)))

// BenchmarkFanout measures the SFU forwarding one ≈2 Mbps publisher to
// many viewers on loopback. The viewers run in a child process (this test
// binary, fanoutChild), so the CPU figure is the SFU's (and the
// in-process publisher's) alone. Each iteration is a whole run of a few
// seconds; run it with -benchtime=1x. The publisher either sends each
// frame's packets together (burst: the worst case, a sender without a
// pacer) or paced as a browser's libwebrtc sends them (paced: 2.5 × the
// bitrate). Figures, not assertions:
//
//	loss-%         measured packets not received, over all viewers
//	p50-ms, p99-ms publisher WriteRTP → viewer ReadRTP
//	vCPU/viewer    SFU process CPU time / wall time / viewers
//	viewer-vCPU/viewer the child's (the viewers') CPU, for scale
//	heap-MB        the SFU process's live heap at the end, viewers connected
func BenchmarkFanout(b *testing.B) {
	for _, paced := range []bool{false, true} {
		for _, n := range []int{10, 100} {
			b.Run(fmt.Sprintf("publisher=%s/viewers=%d", map[bool]string{false: "burst", true: "paced"}[paced], n), func(b *testing.B) {
				for range b.N {
					runFanout(b, n, paced)
				}
			})
		}
	}
}

// fanoutResult is what the child prints when its stdin closes.
type fanoutResult struct {
	Received  []int     `json:"received"` // distinct measured packets, per viewer
	Latencies []float64 `json:"latencies"`
	CPU       float64   `json:"cpu"` // user+system CPU seconds while measured
}

func runFanout(b *testing.B, viewers int, paced bool) {
	s := newServer(b, serverOptions{cfg: media.Config{MaxViewers: viewers}})
	pub := newSyntheticPublisher(b, s.room)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); pub.run(ctx, paced) }()
	defer func() { cancel(); wg.Wait() }()

	child, stdin, out := startViewers(b, s.whep(), viewers)
	before, start, joined := cpuTime(), time.Now(), s.room.Stats().Forwarding
	pub.measure(fanoutSeconds * fanoutFPS * fanoutPerFrame)
	time.Sleep(300 * time.Millisecond) // the tail of the window is still on its way
	cpu, wall := cpuTime()-before, time.Since(start).Seconds()
	window := s.room.Stats().Forwarding.Since(joined)
	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	b.ReportMetric(float64(mem.HeapAlloc)/(1<<20), "heap-MB")
	_ = stdin.Close()
	var res fanoutResult
	if err := json.Unmarshal([]byte(waitLine(b, out, "RESULT ")), &res); err != nil {
		b.Fatal(err)
	}
	if err := child.Wait(); err != nil {
		b.Fatalf("viewer process: %v", err)
	}
	report(b, s.room, window, res, viewers, cpu, wall)
}

// report prints the figures; window is the SFU's latency histogram of the
// measured window (the viewers' joins, ICE and DTLS before it, are not in
// it, as they are not in the end-to-end figures).
func report(b *testing.B, room *media.Room, window media.LatencyHistogram, res fanoutResult, viewers int, cpu, wall float64) {
	sent := fanoutSeconds * fanoutFPS * fanoutPerFrame
	got := 0
	for _, r := range res.Received {
		got += r
	}
	slices.Sort(res.Latencies)
	pct := func(p float64) float64 {
		if len(res.Latencies) == 0 {
			return 0
		}
		return res.Latencies[int(p*float64(len(res.Latencies)-1))]
	}
	var dropped uint64
	for _, v := range room.Stats().Viewers {
		dropped += v.Dropped
	}
	perViewer := cpu / wall / float64(viewers)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	p50, p99 := window.Quantile(0.5), window.Quantile(0.99)
	b.ReportMetric(ms(p50), "sfu-p50-ms")
	b.ReportMetric(ms(p99), "sfu-p99-ms")
	b.ReportMetric(100*(1-float64(got)/float64(sent*viewers)), "loss-%")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(perViewer, "vCPU/viewer")
	b.ReportMetric(res.CPU/wall/float64(viewers), "viewer-vCPU/viewer")
	b.ReportMetric(float64(dropped), "sfu-drops")
	b.Logf("SFU forwarding latency (read from the publisher → the viewer's write returned) over the window's %d packets: p50 %.3f ms, p99 %.3f ms",
		window.Count(), ms(p50), ms(p99))
	b.Logf("%d viewers, %d packets each in %.1fs (%.2f Mbps in): loss %.3f%%, latency p50 %.2f ms p99 %.2f ms, "+
		"SFU %.4f vCPU/viewer (1/%.0f; LiveKit publishes ~1/188 = 0.0053), SFU queue drops %d",
		viewers, sent, wall, float64(fanoutFPS*fanoutPerFrame*fanoutPacketBytes*8)/1e6,
		100*(1-float64(got)/float64(sent*viewers)), pct(0.5), pct(0.99), perViewer, 1/perViewer, dropped)
}

// cpuTime returns the process's user+system CPU seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// startViewers runs fanoutChild in a child process (this test binary) and
// waits until all its viewers receive video.
func startViewers(b *testing.B, url string, n int) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "FANOUT_URL="+url, "FANOUT_VIEWERS="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	out := bufio.NewReader(stdout)
	waitLine(b, out, "READY")
	return cmd, stdin, out
}

// waitLine reads lines until one starts with prefix and returns the rest.
func waitLine(b *testing.B, r *bufio.Reader, prefix string) string {
	for {
		line, err := r.ReadString('\n')
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(strings.TrimPrefix(line, prefix))
		}
		if err != nil {
			b.Fatalf("viewer process ended before %q: %v", prefix, err)
		}
	}
}

// syntheticPublisher is a pion peer publishing VP8-shaped RTP whose
// payload carries its send time and, in the measured window, its index.
type syntheticPublisher struct {
	track *webrtc.TrackLocalStaticRTP
	mu    sync.Mutex
	next  int // next measured index; -1 when not measuring
	total int
	done  chan struct{}
}

func newSyntheticPublisher(b *testing.B, room *media.Room) *syntheticPublisher {
	api, err := media.NewAPI(loopback(), nil)
	if err != nil {
		b.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = pc.Close() })
	track, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "bench")
	if _, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		b.Fatal(err)
	}
	connected := make(chan struct{})
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(connected) })
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, _, err := room.Publish(ctx, localOffer(b, pc))
	if err != nil {
		b.Fatal(err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		b.Fatal(err)
	}
	select {
	case <-connected:
	case <-ctx.Done():
		b.Fatal("publisher did not connect")
	}
	return &syntheticPublisher{track: track, next: -1, done: make(chan struct{})}
}

// measure marks the next n packets as measured and waits until they are
// sent.
func (p *syntheticPublisher) measure(n int) {
	p.mu.Lock()
	p.next, p.total, p.done = 0, n, make(chan struct{})
	done := p.done
	p.mu.Unlock()
	<-done
}

// run sends a frame every 1/30 s until ctx ends; paced, the frame's
// packets go out fanoutGap apart.
func (p *syntheticPublisher) run(ctx context.Context, paced bool) {
	tick := time.NewTicker(time.Second / fanoutFPS)
	defer tick.Stop()
	seq, ts := uint16(0), uint32(0)
	for frame := 0; ; frame++ {
		var start time.Time
		select {
		case <-ctx.Done():
			return
		case start = <-tick.C:
		}
		for i := range fanoutPerFrame {
			if paced {
				time.Sleep(time.Until(start.Add(time.Duration(i) * fanoutGap)))
			}
			pkt := &rtp.Packet{
				Header:  rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: i == fanoutPerFrame-1},
				Payload: p.payload(i == 0, frame%fanoutFPS == 0),
			}
			_ = p.track.WriteRTP(pkt)
			seq++
		}
		ts += 90000 / fanoutFPS
	}
}

// payload is a VP8 descriptor and header, the send time, the measured
// index (or -1) and padding.
func (p *syntheticPublisher) payload(start, key bool) []byte {
	b := make([]byte, fanoutPacketBytes)
	if start {
		b[0] = 0x10 // S=1, PID=0
	}
	if !key {
		b[1] = 0x01 // P=1: an inter frame
	}
	idx := int32(-1)
	p.mu.Lock()
	if p.next >= 0 && p.next < p.total {
		idx = int32(p.next)
		if p.next++; p.next == p.total {
			close(p.done)
		}
	}
	p.mu.Unlock()
	binary.BigEndian.PutUint32(b[10:], uint32(idx))
	binary.BigEndian.PutUint64(b[2:], uint64(time.Now().UnixNano()))
	return b
}

// fanoutChild is BenchmarkFanout's child process (TestMain starts it
// instead of the tests when FANOUT_URL is set): FANOUT_VIEWERS WHEP viewers
// of FANOUT_URL that note each measured packet's arrival. It prints READY
// once every viewer receives, and its result when stdin closes; it returns
// the exit status.
func fanoutChild(url string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "fan-out viewers:", err)
		return 1
	}
	n, err := strconv.Atoi(os.Getenv("FANOUT_VIEWERS"))
	if err != nil {
		return fail(err)
	}
	sent := fanoutSeconds * fanoutFPS * fanoutPerFrame
	counters := make([]*fanoutViewer, n)
	for i := range counters {
		if counters[i], err = newFanoutViewer(url, sent); err != nil {
			return fail(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, c := range counters {
		for !c.started.Load() {
			if time.Now().After(deadline) {
				return fail(fmt.Errorf("a viewer got no video in 20 s"))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	fmt.Println("READY")
	before := cpuTime()
	_, _ = io.Copy(io.Discard, os.Stdin)
	res := fanoutResult{CPU: cpuTime() - before}
	for _, c := range counters {
		c.close()
		res.Received = append(res.Received, c.received)
		res.Latencies = append(res.Latencies, c.latencies...)
	}
	out, _ := json.Marshal(res)
	fmt.Println("RESULT " + string(out))
	return 0
}
