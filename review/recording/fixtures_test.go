package recording

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/h264reader"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"atelier/review/internal/rtpkey"
)

// The fixtures (testdata/make-fixtures.sh): 60 video frames at 30 fps with a
// keyframe every 15 frames, and 2 s of 20 ms Opus packets.
const (
	fixtureFrames   = 60
	fixtureGOP      = 15
	frameTicks      = 3000 // 90 kHz / 30 fps
	opusTicks       = 960  // 48 kHz * 20 ms
	testMTU         = 1200
	testTimeout     = 60 * time.Second
	videoPT         = 96
	pollInterval    = 5 * time.Millisecond
	feedFromFrame   = 5 // recorder tests start feeding mid-GOP
	firstKeyFedFrom = 15
)

// testContext bounds a test.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds or ctx ends (never sleeps to synchronize).
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// testConfig is loopback-only, UDP4, no STUN, no mDNS.
func testConfig() Config {
	return Config{
		InterfaceFilter: func(n string) bool { return n == "lo" },
		IncludeLoopback: true,
		NetworkTypes:    []webrtc.NetworkType{webrtc.NetworkTypeUDP4},
		DisableMDNS:     true,
		GatherTimeout:   10 * time.Second,
	}
}

func testAPI(t *testing.T) *webrtc.API {
	t.Helper()
	api, err := NewAPI(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// ivfFrames reads every frame of an IVF file with ivfreader.
func ivfFrames(t testing.TB, path string) (*ivfreader.IVFFileHeader, [][]byte) {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // test fixture
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	r, hdr, err := ivfreader.NewWith(f)
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for {
		data, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			return hdr, frames
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, data)
	}
}

// h264AccessUnits reads an Annex-B file with h264reader (SEI included) and
// groups its NAL units into access units: a unit ends before a parameter
// set, SEI or AUD, or before a slice with first_mb_in_slice 0, that follows
// a slice.
func h264AccessUnits(t *testing.T, path string) [][][]byte {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // test fixture
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	r, err := h264reader.NewReaderWithOptions(f, h264reader.WithIncludeSEI(true))
	if err != nil {
		t.Fatal(err)
	}
	var aus [][][]byte
	var cur [][]byte
	hasSlice := false
	for {
		nal, err := r.NextNAL()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		typ := rtpkey.NALUType(nal.Data[0])
		slice := typ == 1 || typ == rtpkey.NALUIDR
		firstSlice := slice && len(nal.Data) > 1 && nal.Data[1]&0x80 != 0
		if hasSlice && (firstSlice || (typ >= 6 && typ <= 9)) {
			aus, cur, hasSlice = append(aus, cur), nil, false
		}
		cur = append(cur, append([]byte(nil), nal.Data...))
		hasSlice = hasSlice || slice
	}
	if len(cur) > 0 {
		aus = append(aus, cur)
	}
	return aus
}

func annexB(au [][]byte) []byte {
	var out []byte
	for _, n := range au {
		out = append(append(out, 0, 0, 0, 1), n...)
	}
	return out
}

func auIsKey(au [][]byte) bool {
	for _, n := range au {
		if t := rtpkey.NALUType(n[0]); t == rtpkey.NALUIDR || t == rtpkey.NALUSPS {
			return true
		}
	}
	return false
}

// oggPackets reads the Opus packets of an Ogg file with oggreader (one
// packet per page, as the fixture and oggwriter lay them out), skipping the
// OpusHead and OpusTags pages; it returns the payloads and granules.
func oggPackets(t *testing.T, path string) ([][]byte, []uint64) {
	t.Helper()
	f, err := os.Open(path) //nolint:gosec // test fixture
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	r, _, err := oggreader.NewWith(f)
	if err != nil {
		t.Fatal(err)
	}
	var pkts [][]byte
	var granules []uint64
	for {
		payload, hdr, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			return pkts, granules
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, isHeader := hdr.HeaderType(payload); isHeader || len(payload) == 0 {
			continue
		}
		pkts, granules = append(pkts, payload), append(granules, hdr.GranulePosition)
	}
}

func fixture(name string) string { return filepath.Join("testdata", name) }

// packetizer makes RTP the way a publisher would.
func packetizer(payloader rtp.Payloader, clock uint32) rtp.Packetizer {
	return rtp.NewPacketizer(testMTU, videoPT, 0x1234, payloader, rtp.NewRandomSequencer(), clock)
}

func vp8Payloader() rtp.Payloader { return &codecs.VP8Payloader{EnablePictureID: true} }

// feed packetizes frames (ticks apart) and writes those from position from
// on; it returns how many packets it wrote and how many it skipped.
func feed(t *testing.T, tw TrackWriter, pk rtp.Packetizer, frames [][]byte, ticks uint32, from int) (written int) {
	t.Helper()
	for i, fr := range frames {
		pkts := pk.Packetize(fr, ticks)
		if i < from {
			continue
		}
		for _, p := range pkts {
			if err := tw.WriteRTP(p); err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			written++
		}
	}
	return written
}
