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
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// trackCase is one codec: its fixture, how a publisher packetizes it, and
// how pion's reader reads a file of it (the fixture or a recording's).
type trackCase struct {
	name, kind, mime string
	clock, ticks     uint32
	fixture, file    string
	payloader        func() rtp.Payloader
	read             func(t *testing.T, path string) [][]byte
}

var (
	vp8Case = trackCase{"VP8", KindVideo, webrtc.MimeTypeVP8, 90000, frameTicks, "clip-vp8.ivf", videoIVFFile,
		vp8Payloader, readIVF}
	vp9Case = trackCase{"VP9", KindVideo, webrtc.MimeTypeVP9, 90000, frameTicks, "clip-vp9.ivf", videoIVFFile,
		func() rtp.Payloader { return &codecs.VP9Payloader{} }, readIVF}
	h264Case = trackCase{"H264", KindVideo, webrtc.MimeTypeH264, 90000, frameTicks, "clip.h264", videoH264File,
		func() rtp.Payloader { return &codecs.H264Payloader{} }, readH264}
	opusCase = trackCase{"Opus", KindAudio, webrtc.MimeTypeOpus, 48000, opusTicks, "clip.ogg", audioOggFile,
		func() rtp.Payloader { return &codecs.OpusPayloader{} }, readOpus}
)

// readIVF reads an IVF file with ivfreader and checks that its header
// counts exactly the frames it holds.
func readIVF(t *testing.T, path string) [][]byte {
	t.Helper()
	hdr, frames := ivfFrames(t, path)
	if int(hdr.NumFrames) != len(frames) {
		t.Errorf("IVF header counts %d frames, the file holds %d", hdr.NumFrames, len(frames))
	}
	return frames
}

// readH264 reads an Annex-B file with h264reader, one access unit a frame.
func readH264(t *testing.T, path string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, au := range h264AccessUnits(t, path) {
		out = append(out, annexB(au))
	}
	return out
}

// readOpus reads an Ogg file's Opus packets with oggreader.
func readOpus(t *testing.T, path string) [][]byte {
	t.Helper()
	pkts, _ := oggPackets(t, path)
	return pkts
}

// record feeds the whole fixture of tc to a new track of r and returns the
// fixture's frames.
func record(t *testing.T, r *Recorder, tc trackCase) [][]byte {
	t.Helper()
	src := tc.read(t, fixture(tc.fixture))
	tw, err := r.AddTrack(tc.kind, tc.mime, tc.clock, 2)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, tw, packetizer(tc.payloader(), tc.clock), src, tc.ticks, 0)
	if tw.Frames() != len(src) {
		t.Fatalf("%s: %d frames written, want %d", tc.name, tw.Frames(), len(src))
	}
	return src
}

// crash ends a recorder as the death of its process would: the kernel
// closes its files, and nothing it holds in memory reaches them.
func crash(t *testing.T, r *Recorder) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	var files []*os.File
	for _, tw := range []*trackWriter{r.video, r.audio} {
		if tw != nil {
			files = append(files, tw.file, tw.idx.f)
		}
	}
	for _, w := range []*jsonlWriter{r.events, r.samples} {
		if w != nil {
			files = append(files, w.f)
		}
	}
	if r.lock != nil {
		files = append(files, r.lock) // the kernel drops a dead process's flock
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A recording still being written is left alone: Recover returns ErrBusy
// and changes nothing, until its Recorder is gone.
func TestRecoverBusy(t *testing.T) {
	r, _ := newTestRecorder(t)
	record(t, r, vp8Case)
	dir := r.Dir()
	before := snapshot(t, dir)
	if _, err := Recover(dir); !errors.Is(err, ErrBusy) {
		t.Fatalf("recovering a live recording: %v, want ErrBusy", err)
	}
	if !reflect.DeepEqual(snapshot(t, dir), before) {
		t.Fatal("Recover changed a recording that is being written")
	}
	crash(t, r)
	if m, err := Recover(dir); err != nil || !m.Recovered {
		t.Fatalf("after the recorder died: %+v, %v", m, err)
	}
}

// snapshot is every file of dir by name, with its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name())) //nolint:gosec // test directory
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// recoverTwice recovers dir, then checks that a second Recover returns the
// same manifest and changes no byte.
func recoverTwice(t *testing.T, dir string) Manifest {
	t.Helper()
	m, err := Recover(dir)
	if err != nil {
		t.Fatalf("Recover: %v", err)
	}
	before := snapshot(t, dir)
	again, err := Recover(dir)
	if err != nil {
		t.Fatalf("second Recover: %v", err)
	}
	a, _ := json.Marshal(m)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Errorf("second Recover returned %s, first %s", b, a)
	}
	if !reflect.DeepEqual(snapshot(t, dir), before) {
		t.Error("second Recover changed the directory")
	}
	return m
}

// checkRecovered opens a recovered track of want frames (the fixture's
// first ones): pion's reader reads exactly those frames back, the index
// agrees, and a seek reads the keyframe through the player's source.
func checkRecovered(t *testing.T, dir string, tc trackCase, src [][]byte, want int) *Recording {
	t.Helper()
	rec, err := Open(dir)
	if err != nil {
		t.Fatalf("Open after Recover: %v", err)
	}
	m := rec.Manifest()
	info, frames := m.Video, rec.Frames()
	if tc.kind == KindAudio {
		info, frames = m.Audio, rec.AudioFrames()
	}
	if !m.Recovered || info == nil || info.Frames != want || len(frames) != want || !near(info.Start, frames[0].MediaTime) {
		t.Fatalf("recovered manifest %+v with %d frames; want %d frames, marked recovered", m, len(frames), want)
	}
	if info.Codec != tc.mime || info.ClockRate != tc.clock {
		t.Errorf("recovered track %s at %d Hz, want %s at %d", info.Codec, info.ClockRate, tc.mime, tc.clock)
	}
	got := tc.read(t, filepath.Join(dir, tc.file))
	if !reflect.DeepEqual(got, src[:want]) {
		t.Fatalf("%s re-read %d frames, want the fixture's first %d byte for byte", tc.file, len(got), want)
	}
	step := float64(tc.ticks) / float64(tc.clock)
	if last := frames[want-1]; !near(info.End, last.MediaTime+step) || m.Duration < info.End {
		t.Errorf("track ends at %v (duration %v), want %v", info.End, m.Duration, last.MediaTime+step)
	}
	key, ok := keyAtOrBefore(frames, keyframePositions(frames), math.Inf(1))
	wantKey := want - 1 // every audio packet is a keyframe
	if tc.kind == KindVideo {
		wantKey = (want - 1) / fixtureGOP * fixtureGOP
	}
	if !ok || key.Number != wantKey {
		t.Fatalf("last keyframe %+v, %v; want frame %d", key, ok, wantKey)
	}
	if seek, ok := rec.KeyframeAtOrBefore(key.MediaTime + 0.01); (tc.kind == KindVideo || m.Video == nil) && (!ok || seek != key) {
		t.Fatalf("KeyframeAtOrBefore(%v) = %+v, %v; want %+v", key.MediaTime+0.01, seek, ok, key)
	}
	s, err := openSource(dir, info, tc.kind, frames)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.close() }()
	if data, err := s.readFrame(key.Number); err != nil || !reflect.DeepEqual(data, src[key.Number]) {
		t.Fatalf("seek to keyframe %d read %d bytes, %v; want the fixture's frame", key.Number, len(data), err)
	}
	return rec
}

// A recorder abandoned without Close (the process died) is recovered with
// every frame it had finished writing: all but the last, still open one.
func TestRecoverAfterCrash(t *testing.T) {
	for _, video := range []trackCase{vp8Case, vp9Case, h264Case} {
		t.Run(video.name+"+Opus", func(t *testing.T) {
			r, _ := newTestRecorder(t)
			vsrc := record(t, r, video)
			asrc := record(t, r, opusCase)
			if err := r.WriteSample(json.RawMessage(`{"tick":7}`)); err != nil {
				t.Fatal(err)
			}
			crash(t, r)
			if _, err := Open(r.Dir()); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Open before Recover: %v, want ErrNotFound", err)
			}
			m := recoverTwice(t, r.Dir())
			checkRecovered(t, r.Dir(), video, vsrc, len(vsrc)-1)
			rec := checkRecovered(t, r.Dir(), opusCase, asrc, len(asrc)-1)
			if m.Epoch.IsZero() || m.Epoch.Before(m.Created) || m.Video.Start != 0 || m.Audio.Start < 0 || m.Audio.Channels != 2 {
				t.Errorf("recovered manifest %+v: want the epoch at the first video frame", m)
			}
			var keys []float64
			for _, f := range diskIndex(t, r.Dir(), KindVideo) {
				if f.Keyframe {
					keys = append(keys, f.MediaTime)
				}
			}
			if len(keys) == 0 || !slices.Equal(m.Video.KeyTimes, keys) || m.Audio.KeyTimes != nil {
				t.Errorf("recovered key times: video %v, audio %v; want the kept index's %v and none for audio", m.Video.KeyTimes, m.Audio.KeyTimes, keys)
			}
			last := readPage(t, r.Dir(), rec.AudioFrames()[len(asrc)-2])
			if last[oggHeaderTypeOffset]&oggEndOfStream == 0 {
				t.Error("the last Ogg page is not marked end of stream")
			}
			samples, err := rec.Samples()
			if err != nil || len(samples) != 1 || string(samples[0].Data) != `{"tick":7}` {
				t.Fatalf("samples %+v, %v: want the one written before the crash", samples, err)
			}
			if _, err := os.Stat(filepath.Join(r.Dir(), partialFile)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("partial manifest left after recovery: %v", err)
			}
		})
	}
}

func readPage(t *testing.T, dir string, fr Frame) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, audioOggFile))
	if err != nil {
		t.Fatal(err)
	}
	return b[fr.Offset : fr.Offset+fr.Size]
}

// A crash can tear the last writes: a media file cut inside a frame, an
// index or log line without its end. Recovery keeps the frames before the
// torn one and cuts every file to its complete part.
func TestRecoverTornFiles(t *testing.T) {
	cases := []struct {
		track   trackCase
		cutIn   int // the frame the media file is cut inside; -1 leaves it whole
		want    int
		comment string
	}{
		{vp8Case, 40, 40, "IVF cut mid-frame"},
		{h264Case, 40, 40, "Annex-B cut mid-access-unit"},
		{opusCase, 70, 70, "Ogg cut mid-page"},
		{vp9Case, -1, fixtureFrames - 1, "media whole, index line torn"},
	}
	for _, tc := range cases {
		t.Run(tc.track.name+" "+tc.comment, func(t *testing.T) {
			r, _ := newTestRecorder(t)
			src := record(t, r, tc.track)
			if err := r.WriteEvent(json.RawMessage(`{"type":"join"}`)); err != nil {
				t.Fatal(err)
			}
			crash(t, r)
			dir := r.Dir()
			if tc.cutIn >= 0 {
				fr := diskIndex(t, dir, tc.track.kind)[tc.cutIn]
				if err := os.Truncate(filepath.Join(dir, tc.track.file), fr.Offset+fr.Size/2); err != nil {
					t.Fatal(err)
				}
			}
			appendTo(t, dir, indexName(tc.track.kind), `{"n":59,"ts":17`)
			appendTo(t, dir, EventsFile, `{"at":"2026-`)
			recoverTwice(t, dir)
			rec := checkRecovered(t, dir, tc.track, src, tc.want)
			events, err := rec.Events()
			if err != nil || len(events) != 1 {
				t.Fatalf("events %+v, %v: want the complete one", events, err)
			}
		})
	}
}

// With an event source, the recovered recording's log is the source's
// events of its span, replacing whatever partial log the crash left (here a
// complete line the source also has, which must not be doubled, and a torn
// one); if the source fails, nothing is changed and a later recovery works.
func TestRecoverWithEvents(t *testing.T) {
	r, _ := newTestRecorder(t)
	src := record(t, r, vp8Case)
	if err := r.WriteEvent(json.RawMessage(`{"seq":1}`)); err != nil {
		t.Fatal(err)
	}
	crash(t, r)
	dir := r.Dir()
	appendTo(t, dir, EventsFile, `{"at":"2026-`)
	before := snapshot(t, dir)
	if _, err := RecoverWithEvents(dir, func(time.Time) ([]Entry, error) { return nil, errors.New("store down") }); err == nil {
		t.Fatal("recovered although the events could not be read")
	}
	if !reflect.DeepEqual(snapshot(t, dir), before) {
		t.Fatal("a failed recovery changed the directory")
	}
	p, err := readManifest(dir, partialFile)
	if err != nil {
		t.Fatal(err)
	}
	var gotEnd time.Time
	m, err := RecoverWithEvents(dir, func(end time.Time) ([]Entry, error) {
		gotEnd = end
		return []Entry{
			{At: p.Epoch.Add(500 * time.Millisecond), Data: json.RawMessage(`{"seq":1}`)},
			{At: p.Epoch.Add(1500 * time.Millisecond), Data: json.RawMessage(`{"seq":2}`)},
		}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !gotEnd.Equal(m.Closed) {
		t.Errorf("the source was asked for events up to %v, want the recording's end %v", gotEnd, m.Closed)
	}
	rec := checkRecovered(t, dir, vp8Case, src, fixtureFrames-1)
	events, err := rec.Events()
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || string(events[0].Data) != `{"seq":1}` || !near(events[1].MediaTime, 1.5) {
		t.Fatalf("events %+v, want seq 1 and 2 once each, the second at 1.5 s", events)
	}
}

// diskIndex reads a track's index as it is on disk.
func diskIndex(t *testing.T, dir, kind string) []Frame {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, indexName(kind))) //nolint:gosec // test directory
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	frames, err := readIndex(f, math.MaxInt64)
	if err != nil {
		t.Fatal(err)
	}
	return frames
}

// A directory without one complete frame is an error, and Recover leaves
// it exactly as it was.
func TestRecoverNothingUsable(t *testing.T) {
	cases := []struct {
		name   string
		record func(t *testing.T, r *Recorder)
	}{
		{"no keyframe arrived", func(t *testing.T, r *Recorder) {
			_, src := ivfFrames(t, fixture("clip-vp8.ivf"))
			tw, err := r.AddTrack(KindVideo, webrtc.MimeTypeVP8, 90000, 0)
			if err != nil {
				t.Fatal(err)
			}
			feed(t, tw, packetizer(vp8Payloader(), 90000), src[1:fixtureGOP], frameTicks, 0)
			crash(t, r)
		}},
		{"first frame torn", func(t *testing.T, r *Recorder) {
			record(t, r, vp8Case)
			crash(t, r)
			fr := diskIndex(t, r.Dir(), KindVideo)[0]
			if err := os.Truncate(filepath.Join(r.Dir(), videoIVFFile), fr.Offset+fr.Size-1); err != nil {
				t.Fatal(err)
			}
		}},
		{"no track added", func(t *testing.T, r *Recorder) {
			if err := r.WriteSample(json.RawMessage(`{"tick":1}`)); err != nil {
				t.Fatal(err)
			}
			crash(t, r)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newTestRecorder(t)
			tc.record(t, r)
			before := snapshot(t, r.Dir())
			if _, err := Recover(r.Dir()); !errors.Is(err, ErrNothingToRecover) {
				t.Fatalf("Recover = %v, want ErrNothingToRecover", err)
			}
			if !reflect.DeepEqual(snapshot(t, r.Dir()), before) {
				t.Error("a failed Recover changed the directory")
			}
			if _, err := Open(r.Dir()); !errors.Is(err, ErrNotFound) {
				t.Errorf("Open = %v, want ErrNotFound", err)
			}
		})
	}
	if _, err := Recover(filepath.Join(t.TempDir(), "gone")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Recover of a missing directory = %v, want ErrNotFound", err)
	}
}

// A finished recording is left as it is, and Close leaves no partial
// manifest behind.
func TestRecoverFinished(t *testing.T) {
	dir := recordVP8(t)
	if _, err := os.Stat(filepath.Join(dir, partialFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("partial manifest after Close: %v", err)
	}
	rec, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	m, err := Recover(dir)
	if err != nil || m.Recovered || !reflect.DeepEqual(snapshot(t, dir), before) {
		t.Fatalf("Recover of a finished recording = %+v, %v; or it changed the directory", m, err)
	}
	if m.Video.Frames != rec.Manifest().Video.Frames {
		t.Errorf("Recover returned %d frames, the manifest says %d", m.Video.Frames, rec.Manifest().Video.Frames)
	}
}

// A listing reads keyframe times from the manifest alone; Open checks them
// against the index, so a manifest that disagrees with it is refused.
func TestManifestKeyTimes(t *testing.T) {
	r, _ := newTestRecorder(t)
	record(t, r, vp8Case)
	if _, err := ReadManifest(r.Dir()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ReadManifest while recording: %v, want ErrNotFound", err)
	}
	closeRecorder(t, r)
	m, err := ReadManifest(r.Dir())
	if err != nil || len(m.Video.KeyTimes) != m.Video.Keyframes || m.Video.Keyframes < 2 {
		t.Fatalf("manifest key times %v for %d keyframes, %v", m.Video.KeyTimes, m.Video.Keyframes, err)
	}
	want := slices.Clone(m.Video.KeyTimes)
	m.Video.KeyTimes[1] += 0.1
	if err := writeJSONFile(r.Dir(), ManifestFile, m); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(r.Dir()); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open with key times that disagree with the index: %v, want ErrCorrupt", err)
	}
	m.Video.KeyTimes = nil // as manifests written before key times were kept
	if err := writeJSONFile(r.Dir(), ManifestFile, m); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(r.Dir()); err != nil {
		t.Fatalf("Open without key times: %v", err)
	}
	if got, err := ReadManifest(r.Dir()); err != nil || !slices.Equal(got.Video.KeyTimes, want) {
		t.Fatalf("ReadManifest of an older manifest: key times %v, %v; want %v from the index", got.Video.KeyTimes, err, want)
	}
}

// A read that fails (a disk error, not a file cut short) stops recovery
// instead of making the frame it could not read look torn.
func TestRecoverReadErrors(t *testing.T) {
	eio := &readErrs{r: failingReader{syscall.EIO}}
	if check := frameCheck(codecH264, eio, 100); check(Frame{Offset: 0, Size: 10}) || !errors.Is(eio.err, syscall.EIO) {
		t.Fatalf("after a failed read: error %v, want EIO kept", eio.err)
	}
	short := &readErrs{r: bytes.NewReader([]byte{0, 0})}
	if check := frameCheck(codecH264, short, 100); check(Frame{Offset: 0, Size: 10}) || short.err != nil {
		t.Fatalf("a file cut short: error %v, want none kept", short.err)
	}
	if frameCheck(codecVP8, eio, 100) != nil {
		t.Fatal("an IVF header that cannot be read was taken for one")
	}
}

type failingReader struct{ err error }

func (f failingReader) ReadAt([]byte, int64) (int, error) { return 0, f.err }
