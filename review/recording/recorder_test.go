package recording

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"

	"atelier/review/internal/rtpkey"
)

// recordedFrames is how many fixture frames a recorder keeps when fed from
// frame feedFromFrame: everything from the next keyframe on.
const recordedFrames = fixtureFrames - firstKeyFedFrom

func newTestRecorder(t *testing.T) (*Recorder, *atomic.Int32) {
	t.Helper()
	id, err := NewID()
	if err != nil {
		t.Fatal(err)
	}
	r := NewRecorder(filepath.Join(t.TempDir(), string(id)), nil)
	requests := &atomic.Int32{}
	r.RequestKeyframe = func() { requests.Add(1) }
	return r, requests
}

func TestRecorderIVF(t *testing.T) {
	cases := []struct {
		name, file, mime, fourCC string
		payloader                func() rtp.Payloader
	}{
		{"VP8", "clip-vp8.ivf", webrtc.MimeTypeVP8, "VP80", vp8Payloader},
		{"VP9", "clip-vp9.ivf", webrtc.MimeTypeVP9, "VP90", func() rtp.Payloader { return &codecs.VP9Payloader{} }},
		{"vp8 in lower case", "clip-vp8.ivf", "video/vp8", "VP80", vp8Payloader},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, src := ivfFrames(t, fixture(tc.file))
			if len(src) != fixtureFrames {
				t.Fatalf("fixture has %d frames, want %d", len(src), fixtureFrames)
			}
			r, requests := newTestRecorder(t)
			tw, err := r.AddTrack(KindVideo, tc.mime, 90000, 0)
			if err != nil {
				t.Fatal(err)
			}
			pk := packetizer(tc.payloader(), 90000)
			dropped := feed(t, tw, pk, src[:firstKeyFedFrom], frameTicks, feedFromFrame)
			feed(t, tw, pk, src[firstKeyFedFrom:], frameTicks, 0)
			if got := tw.Frames(); got != recordedFrames {
				t.Fatalf("Frames() = %d before Close, want %d", got, recordedFrames)
			}
			closeRecorder(t, r)
			if got := requests.Load(); got != 1 {
				t.Errorf("keyframe requests = %d, want 1 (at AddTrack)", got)
			}

			hdr, got := ivfFrames(t, filepath.Join(r.Dir(), videoIVFFile))
			if hdr.FourCC != tc.fourCC || hdr.NumFrames != recordedFrames || hdr.Width != 320 || hdr.Height != 240 {
				t.Errorf("IVF header %s %d frames %dx%d, want %s %d frames 320x240",
					hdr.FourCC, hdr.NumFrames, hdr.Width, hdr.Height, tc.fourCC, recordedFrames)
			}
			if !reflect.DeepEqual(got, src[firstKeyFedFrom:]) {
				t.Fatalf("re-read %d frames; want the %d fed from the first keyframe, byte for byte", len(got), recordedFrames)
			}
			rec := checkVideoIndex(t, r.Dir(), ivfHeaderSize)
			if m := rec.Manifest(); m.Video.Dropped != dropped || !strings.EqualFold(m.Video.Codec, tc.mime) {
				t.Errorf("manifest video %+v, want %d dropped packets of %s", *m.Video, dropped, tc.mime)
			}
		})
	}
}

// ivfHeaderSize is where the first IVF frame starts.
const ivfHeaderSize = 32

// checkVideoIndex opens a recording of the fixture fed from frame 5 and
// checks its index: 45 frames at n/30 s, keyframes at 0, 15 and 30, offsets
// contiguous from firstOffset, and the seek look-up.
func checkVideoIndex(t *testing.T, dir string, firstOffset int64) *Recording {
	t.Helper()
	rec, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	frames := rec.Frames()
	if len(frames) != recordedFrames {
		t.Fatalf("index has %d frames, want %d", len(frames), recordedFrames)
	}
	next := firstOffset
	for i, f := range frames {
		wantKey := i%fixtureGOP == 0
		if f.Number != i || f.Keyframe != wantKey || f.Offset != next || !near(f.MediaTime, float64(i)/30) {
			t.Errorf("frame %d = %+v, want keyframe %v at %v s, offset %d", i, f, wantKey, float64(i)/30, next)
		}
		next = f.Offset + f.Size
	}
	if m := rec.Manifest(); m.Video.Frames != recordedFrames || m.Video.Keyframes != 3 || !near(rec.Duration(), 1.5) {
		t.Errorf("manifest %+v, duration %v; want 45 frames, 3 keyframes, 1.5 s", *m.Video, rec.Duration())
	}
	// The manifest alone says where the keyframes are, for a listing.
	if m, err := ReadManifest(dir); err != nil || len(m.Video.KeyTimes) != 3 ||
		!near(m.Video.KeyTimes[0], 0) || !near(m.Video.KeyTimes[1], 0.5) || !near(m.Video.KeyTimes[2], 1) {
		t.Errorf("ReadManifest: key times %v, %v; want 0, 0.5 and 1 s", m.Video.KeyTimes, err)
	}
	for _, c := range []struct {
		at   float64
		want int
	}{{0, 0}, {0.49, 0}, {0.5, 15}, {0.99, 15}, {1.0, 30}, {9, 30}} {
		if k, ok := rec.KeyframeAtOrBefore(c.at); !ok || k.Number != c.want {
			t.Errorf("KeyframeAtOrBefore(%v) = %d, %v; want %d", c.at, k.Number, ok, c.want)
		}
	}
	if _, ok := rec.KeyframeAtOrBefore(-0.1); ok {
		t.Error("KeyframeAtOrBefore(-0.1) found a keyframe")
	}
	return rec
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func closeRecorder(t *testing.T, r *Recorder) {
	t.Helper()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestRecorderH264(t *testing.T) {
	aus := h264AccessUnits(t, fixture("clip.h264"))
	if len(aus) != fixtureFrames {
		t.Fatalf("fixture has %d access units, want %d", len(aus), fixtureFrames)
	}
	for i, au := range aus {
		if auIsKey(au) != (i%fixtureGOP == 0) {
			t.Fatalf("fixture access unit %d: keyframe %v", i, auIsKey(au))
		}
	}
	src := make([][]byte, len(aus))
	for i, au := range aus {
		src[i] = annexB(au)
	}
	r, requests := newTestRecorder(t)
	tw, err := r.AddTrack(KindVideo, "video/h264", 90000, 0) // SDP spells codecs in any case
	if err != nil {
		t.Fatal(err)
	}
	pk := packetizer(&codecs.H264Payloader{}, 90000)
	dropped := feed(t, tw, pk, src[:firstKeyFedFrom], frameTicks, feedFromFrame)
	feed(t, tw, pk, src[firstKeyFedFrom:], frameTicks, 0)
	closeRecorder(t, r)
	if requests.Load() != 1 {
		t.Errorf("keyframe requests = %d, want 1", requests.Load())
	}

	got := h264AccessUnits(t, filepath.Join(r.Dir(), videoH264File))
	if !reflect.DeepEqual(got, aus[firstKeyFedFrom:]) {
		t.Fatalf("re-read %d access units; want the %d fed from the first keyframe, NAL for NAL", len(got), recordedFrames)
	}
	rec := checkVideoIndex(t, r.Dir(), 0)
	if rec.Manifest().Video.Dropped != dropped {
		t.Errorf("dropped %d packets, want %d", rec.Manifest().Video.Dropped, dropped)
	}
}

// An encoder that starts each access unit with a delimiter (x264's
// default, GStreamer's rtph264pay aggregates it with the SPS and PPS) is
// recorded from its first keyframe: the STAP-A [AUD, SPS, PPS] opens the
// track, as [SPS, PPS] does.
func TestRecorderH264WithDelimiters(t *testing.T) {
	aus := h264AccessUnits(t, fixture("clip.h264"))
	r, _ := newTestRecorder(t)
	tw, err := r.AddTrack(KindVideo, "video/H264", 90000, 0)
	if err != nil {
		t.Fatal(err)
	}
	pk := packetizer(&codecs.H264Payloader{}, 90000)
	aud := []byte{0x00, 0x02, rtpkey.NALUAUD, 0xf0} // a STAP-A unit: size, delimiter, primary_pic_type
	stapWithAUD := 0
	for _, au := range aus {
		for _, p := range pk.Packetize(annexB(au), frameTicks) {
			if _, ok := rtpkey.H264SPSUnit(p.Payload); ok && rtpkey.NALUType(p.Payload[0]) == rtpkey.NALUSTAPA {
				p.Payload = append(append([]byte{p.Payload[0]}, aud...), p.Payload[1:]...)
				stapWithAUD++
			}
			if err := tw.WriteRTP(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	closeRecorder(t, r)
	if stapWithAUD == 0 {
		t.Fatal("the payloader made no STAP-A with the SPS; the test feeds nothing it means to")
	}
	got := h264AccessUnits(t, filepath.Join(r.Dir(), videoH264File))
	var withoutAUD [][][]byte
	for _, au := range got {
		au = slices.DeleteFunc(slices.Clone(au), func(n []byte) bool { return rtpkey.NALUType(n[0]) == rtpkey.NALUAUD })
		withoutAUD = append(withoutAUD, au)
	}
	if !reflect.DeepEqual(withoutAUD, aus) {
		t.Fatalf("re-read %d access units; want the fixture's %d from the first keyframe, NAL for NAL", len(got), len(aus))
	}
	rec, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if v := rec.Manifest().Video; v.Frames != len(aus) || v.Dropped != 0 {
		t.Errorf("manifest: %d frames, %d packets dropped; want %d and none (the first keyframe opens the track)", v.Frames, v.Dropped, len(aus))
	}
}

// The payload that opens an H.264 track leads with its SPS, as pion's
// h264writer wants, and the packet itself is left alone. Which payloads
// open a keyframe at all is rtpkey's table.
func TestH264Opening(t *testing.T) {
	sps, pps := []byte{0x67, 1, 2}, []byte{0x68, 3}
	stap := func(units ...[]byte) []byte {
		b := []byte{0x78} // F=0, NRI=3, type 24
		for _, u := range units {
			b = append(append(b, byte(len(u)>>8), byte(len(u))), u...)
		}
		return b
	}
	aud, sei := []byte{0x09, 0xf0}, []byte{0x06, 5, 0x80}
	for _, tc := range []struct {
		name    string
		payload []byte
		opening []byte
	}{
		{"single SPS", sps, sps},
		{"STAP-A SPS PPS", stap(sps, pps), stap(sps, pps)},
		{"STAP-A AUD SPS PPS", stap(aud, sps, pps), stap(sps, pps)},
		{"STAP-A AUD SEI SPS", stap(aud, sei, sps), stap(sps)},
		{"STAP-A SEI SEI SPS PPS", stap(sei, sei, sps, pps), stap(sps, pps)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := rtpkey.H264SPSUnit(tc.payload); !ok {
				t.Fatalf("%x does not open a keyframe", tc.payload)
			}
			in := slices.Clone(tc.payload)
			if got := h264Opening(in); !bytes.Equal(got, tc.opening) {
				t.Errorf("opening payload %x, want %x", got, tc.opening)
			}
			if !bytes.Equal(in, tc.payload) {
				t.Error("the packet's payload was changed")
			}
		})
	}
}

func TestRecorderOpus(t *testing.T) {
	src, granules := oggPackets(t, fixture("clip.ogg"))
	// The last page's granule marks the end of the audio (ffmpeg trims the
	// final packet), so only the steps before it are whole packets.
	for i := 1; i < len(granules)-1; i++ {
		if granules[i]-granules[i-1] != opusTicks {
			t.Fatalf("fixture page %d: granule step %d, want one 20 ms packet per page", i, granules[i]-granules[i-1])
		}
	}
	r, requests := newTestRecorder(t)
	tw, err := r.AddTrack(KindAudio, webrtc.MimeTypeOpus, 48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, tw, packetizer(&codecs.OpusPayloader{}, 48000), src, opusTicks, 0)
	closeRecorder(t, r)
	if requests.Load() != 0 {
		t.Errorf("audio asked for %d keyframes", requests.Load())
	}

	got, gotGranules := oggPackets(t, filepath.Join(r.Dir(), audioOggFile))
	if !reflect.DeepEqual(got, src) {
		t.Fatalf("re-read %d packets, want the %d fed, byte for byte", len(got), len(src))
	}
	for i, g := range gotGranules {
		if g != uint64(i+1)*opusTicks {
			t.Fatalf("page %d granule %d, want %d", i, g, (i+1)*opusTicks)
		}
	}
	rec, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	frames := rec.AudioFrames()
	if len(frames) != len(src) || rec.Manifest().Audio.Channels != 1 {
		t.Fatalf("index has %d packets (manifest %+v), want %d", len(frames), rec.Manifest().Audio, len(src))
	}
	for i, f := range frames {
		if !f.Keyframe || !near(f.MediaTime, float64(i)*0.02) {
			t.Errorf("audio frame %d = %+v, want keyframe at %v s", i, f, float64(i)*0.02)
		}
	}
	if k, ok := rec.KeyframeAtOrBefore(1.01); !ok || k.Number != 50 {
		t.Errorf("audio-only KeyframeAtOrBefore(1.01) = %+v, %v; want packet 50", k, ok)
	}
}

func TestRecorderEventsAndSamples(t *testing.T) {
	r, _ := newTestRecorder(t)
	if err := r.WriteEvent(json.RawMessage("{\n \"type\": \"join\",\n \"peer\": \"a\"\n}")); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteSample(json.RawMessage(`[1,2,3]`)); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteEvent(json.RawMessage(`{"broken":`)); !errors.Is(err, ErrBadJSON) {
		t.Fatalf("broken JSON: %v, want ErrBadJSON", err)
	}
	closeRecorder(t, r)
	if err := r.WriteEvent(json.RawMessage(`{}`)); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteEvent after Close: %v, want ErrClosed", err)
	}
	rec, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	events, err := rec.Events()
	if err != nil {
		t.Fatal(err)
	}
	samples, err := rec.Samples()
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || string(events[0].Data) != `{"type":"join","peer":"a"}` {
		t.Fatalf("events %+v", events)
	}
	if len(samples) != 1 || string(samples[0].Data) != `[1,2,3]` {
		t.Fatalf("samples %+v", samples)
	}
	// Without media the epoch is the creation time; entries come after it.
	if e := events[0]; e.MediaTime < 0 || e.MediaTime > time.Minute.Seconds() {
		t.Errorf("event media time %v", e.MediaTime)
	}
	if _, err := NewPlayer(rec, nil); !errors.Is(err, ErrNoMedia) {
		t.Errorf("player without media: %v, want ErrNoMedia", err)
	}
}

// An event written after the fact keeps its own time, so its media time is
// when it happened.
func TestRecorderEventTimes(t *testing.T) {
	r, _ := newTestRecorder(t)
	epoch := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return epoch.Add(time.Minute) } // the time of writing
	r.created = epoch
	if err := r.WriteEventAt(epoch.Add(2500*time.Millisecond), json.RawMessage(`{"type":"pause"}`)); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteEventAt(epoch, json.RawMessage(`{"type":`)); !errors.Is(err, ErrBadJSON) {
		t.Fatalf("broken JSON: %v, want ErrBadJSON", err)
	}
	closeRecorder(t, r)
	rec, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	events, err := rec.Events()
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || !near(events[0].MediaTime, 2.5) {
		t.Fatalf("events %+v, want the pause at 2.5 s", events)
	}
}

func TestRecorderTrackErrors(t *testing.T) {
	r, _ := newTestRecorder(t)
	if _, err := r.AddTrack(KindVideo, "video/AV1", 90000, 0); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("AV1: %v, want ErrUnsupportedCodec", err)
	}
	if _, err := r.AddTrack(KindAudio, webrtc.MimeTypeVP8, 90000, 0); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("VP8 as audio: %v, want ErrUnsupportedCodec", err)
	}
	tw, err := r.AddTrack(KindVideo, webrtc.MimeTypeVP8, 90000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddTrack(KindVideo, webrtc.MimeTypeH264, 90000, 0); !errors.Is(err, ErrTrackExists) {
		t.Errorf("second video track: %v, want ErrTrackExists", err)
	}
	closeRecorder(t, r)
	if err := tw.WriteRTP(&rtp.Packet{Payload: []byte{0x10, 0x00}}); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteRTP after Close: %v, want ErrClosed", err)
	}
	if _, err := r.AddTrack(KindAudio, webrtc.MimeTypeOpus, 48000, 2); !errors.Is(err, ErrClosed) {
		t.Errorf("AddTrack after Close: %v, want ErrClosed", err)
	}
}

// A video track that never sees a keyframe asks again once a second, records
// nothing, and leaves no media file behind.
func TestRecorderNoKeyframe(t *testing.T) {
	_, src := ivfFrames(t, fixture("clip-vp8.ivf"))
	r, requests := newTestRecorder(t)
	clock := time.Unix(1_700_000_000, 0)
	r.now = func() time.Time { return clock }
	tw, err := r.AddTrack(KindVideo, webrtc.MimeTypeVP8, 90000, 0)
	if err != nil {
		t.Fatal(err)
	}
	pk := packetizer(vp8Payloader(), 90000)
	feed(t, tw, pk, src[1:fixtureGOP], frameTicks, 0)
	if requests.Load() != 1 {
		t.Fatalf("requests = %d within the first second, want 1", requests.Load())
	}
	clock = clock.Add(keyframeRetry)
	feed(t, tw, pk, src[1:3], frameTicks, 0)
	if requests.Load() != 2 {
		t.Fatalf("requests = %d after a second, want 2", requests.Load())
	}
	closeRecorder(t, r)
	rec, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Manifest().Video != nil || len(rec.Frames()) != 0 {
		t.Errorf("manifest lists video %+v", rec.Manifest().Video)
	}
	if _, err := os.Stat(filepath.Join(r.Dir(), videoIVFFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty video file left behind: %v", err)
	}
}

func TestIDs(t *testing.T) {
	a, err := NewID()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewID()
	if a == b || len(a) != 22 {
		t.Fatalf("ids %q %q", a, b)
	}
	if got, err := ParseID(string(a)); err != nil || got != a {
		t.Fatalf("ParseID(%q) = %q, %v", a, got, err)
	}
	for _, bad := range []string{"", "../../etc/passwd", string(a) + "x", "AAAAAAAAAAAAAAAAAAAAA/", "AAAAAAAAAAAAAAAAAAAAAB"} {
		if _, err := ParseID(bad); !errors.Is(err, ErrBadID) {
			t.Errorf("ParseID(%q) = %v, want ErrBadID", bad, err)
		}
	}
}
