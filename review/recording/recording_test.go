package recording

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"atelier/review/internal/rtpkey"
)

// recordVP8 records the whole VP8 fixture and returns the directory.
func recordVP8(t *testing.T) string {
	t.Helper()
	_, src := ivfFrames(t, fixture("clip-vp8.ivf"))
	r, _ := newTestRecorder(t)
	tw, err := r.AddTrack(KindVideo, webrtc.MimeTypeVP8, 90000, 0)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, tw, packetizer(vp8Payloader(), 90000), src, frameTicks, 0)
	closeRecorder(t, r)
	return r.Dir()
}

func TestOpenMalformed(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func(t *testing.T, dir string)
		want    error
	}{
		{"missing directory", func(t *testing.T, dir string) { mustRemoveAll(t, dir) }, ErrNotFound},
		{"missing manifest", func(t *testing.T, dir string) { mustRemove(t, dir, ManifestFile) }, ErrNotFound},
		{"manifest not JSON", func(t *testing.T, dir string) { mustWrite(t, dir, ManifestFile, "{\"id\":") }, ErrCorrupt},
		{"manifest with an unknown codec", func(t *testing.T, dir string) {
			replaceIn(t, dir, ManifestFile, "video/VP8", "video/AV1")
		}, ErrCorrupt},
		{"manifest frame count disagrees", func(t *testing.T, dir string) {
			replaceIn(t, dir, ManifestFile, `"frames": 60`, `"frames": 61`)
		}, ErrCorrupt},
		{"missing media", func(t *testing.T, dir string) { mustRemove(t, dir, videoIVFFile) }, ErrNotFound},
		{"missing index", func(t *testing.T, dir string) { mustRemove(t, dir, videoIndexFile) }, ErrNotFound},
		{"truncated media", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, videoIVFFile), 1000); err != nil {
				t.Fatal(err)
			}
		}, ErrCorrupt},
		{"index line garbage", func(t *testing.T, dir string) { appendTo(t, dir, videoIndexFile, "garbage\n") }, ErrCorrupt},
		{"index out of order", func(t *testing.T, dir string) {
			replaceIn(t, dir, videoIndexFile, `{"n":1,`, `{"n":2,`)
		}, ErrCorrupt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := recordVP8(t)
			tc.corrupt(t, dir)
			_, err := Open(dir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
		})
	}
}

// Media whose index still fits but whose bytes are not IVF fails at Start.
func TestPlayerStartCorruptMedia(t *testing.T) {
	dir := recordVP8(t)
	path := filepath.Join(dir, videoIVFFile)
	b, err := os.ReadFile(path) //nolint:gosec // test file
	if err != nil {
		t.Fatal(err)
	}
	copy(b, "XXXX")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	rec, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlayer(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(testContext(t)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Start = %v, want ErrCorrupt", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func mustRemoveAll(t *testing.T, dir string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
}

func mustRemove(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, dir, name, s string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func appendTo(t *testing.T, dir, name, s string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // test file
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, dir, name, string(b)+s)
}

func replaceIn(t *testing.T, dir, name, old, repl string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // test file
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", name, old)
	}
	mustWrite(t, dir, name, strings.Replace(string(b), old, repl, 1))
}

// FuzzReadIndex: the index decoder never panics and what it accepts is
// numbered, ordered and inside the media file.
func FuzzReadIndex(f *testing.F) {
	f.Add([]byte(`{"n":0,"ts":1,"t":0,"off":32,"size":100,"key":true}`+"\n"), int64(1000))
	f.Add([]byte(`{"n":0,"ts":1,"t":0,"off":32,"size":100}`+"\n"+`{"n":1,"ts":2,"t":0.1,"off":132,"size":5}`), int64(137))
	f.Add([]byte("{\n"), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, size int64) {
		frames, err := readIndex(bytes.NewReader(data), size)
		if err != nil {
			return
		}
		for i, fr := range frames {
			if fr.Number != i || fr.Offset+fr.Size > size || (i > 0 && fr.MediaTime < frames[i-1].MediaTime) {
				t.Fatalf("accepted bad frame %d: %+v", i, fr)
			}
		}
	})
}

// FuzzCodecs: the payload readers of codecs.go never panic on any input
// (rtpkey fuzzes the keyframe detectors), and an opening payload still
// leads with an SPS.
func FuzzCodecs(f *testing.F) {
	f.Add([]byte{0x90, 0x80, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00})
	f.Add([]byte{24, 0, 2, 7, 0, 0, 1, 8})
	f.Add([]byte{24, 0, 2, 9, 0xf0, 0, 2, 7, 0, 0, 1, 8})
	f.Add([]byte{28, 0x85, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		_, _ = videoSize(codecVP8, payload)
		_, _ = videoSize(codecVP9, payload)
		if _, ok := rtpkey.H264SPSUnit(payload); ok {
			if at, ok := rtpkey.H264SPSUnit(h264Opening(payload)); !ok || at > 1 {
				t.Fatalf("opening of %x leads with no SPS (%d, %v)", payload, at, ok)
			}
		}
	})
}
