package whipclient

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// readAll drains a source, returning its samples' count and total duration.
func readAll(t *testing.T, s source) (int, time.Duration, [][]byte) {
	t.Helper()
	var n int
	var d time.Duration
	var data [][]byte
	for {
		smp, err := s.next()
		if errors.Is(err, io.EOF) {
			return n, d, data
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		d += smp.Duration
		data = append(data, smp.Data)
	}
}

func TestSources(t *testing.T) {
	for _, tc := range []struct {
		file    string
		mime    string
		samples int // at least
		total   time.Duration
	}{
		{"clip-vp8.ivf", webrtc.MimeTypeVP8, 60, 2 * time.Second},
		{"clip-vp9.ivf", webrtc.MimeTypeVP9, 60, 2 * time.Second},
		{"clip.h264", webrtc.MimeTypeH264, 60, 2 * time.Second},
		{"clip.ogg", webrtc.MimeTypeOpus, 100, 2 * time.Second},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s, codec, err := openSource("../testdata/"+tc.file, 30)
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			if codec.MimeType != tc.mime {
				t.Errorf("codec %s, want %s", codec.MimeType, tc.mime)
			}
			n, d, _ := readAll(t, s)
			if n < tc.samples || d < tc.total-50*time.Millisecond || d > tc.total+50*time.Millisecond {
				t.Errorf("%d samples lasting %v, want ≥ %d lasting %v", n, d, tc.samples, tc.total)
			}
			if err := s.rewind(); err != nil {
				t.Fatal(err)
			}
			if n2, _, _ := readAll(t, s); n2 != n {
				t.Errorf("after rewind: %d samples, then %d", n, n2)
			}
		})
	}
}

// TestH264AccessUnits checks that the H.264 source groups NAL units into
// pictures: 60 of them, the first with SPS, PPS and IDR slices, the next
// with non-IDR slices only (the fixture has two slices per picture).
func TestH264AccessUnits(t *testing.T) {
	s, _, err := openSource("../testdata/clip.h264", 30)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	n, _, aus := readAll(t, s)
	if n != 60 {
		t.Fatalf("%d access units, want 60", n)
	}
	types := nalTypes(aus[0])
	if len(types) < 3 || types[0] != 7 || types[1] != 8 || types[len(types)-1] != 5 {
		t.Errorf("first access unit NAL types %v, want SPS, PPS, …, IDR", types)
	}
	types = nalTypes(aus[1])
	for _, typ := range types {
		if typ != 1 {
			t.Errorf("second access unit NAL types %v, want non-IDR slices", types)
		}
	}
	if len(types) == 0 {
		t.Error("empty second access unit")
	}
}

// nalTypes lists the NAL unit types of an Annex-B access unit.
func nalTypes(au []byte) []int {
	var types []int
	for i := 0; i+4 < len(au); i++ {
		if au[i] == 0 && au[i+1] == 0 && au[i+2] == 0 && au[i+3] == 1 {
			types = append(types, int(au[i+4]&0x1f))
		}
	}
	return types
}

func TestOpusSamples(t *testing.T) {
	for _, tc := range []struct {
		p    []byte
		want int
	}{
		{[]byte{0xfc}, 960},           // CELT 20 ms, one frame
		{[]byte{0xf8 | 1}, 1920},      // CELT 20 ms, two frames
		{[]byte{0x08}, 960},           // SILK 20 ms
		{[]byte{0x18}, 2880},          // SILK 60 ms
		{[]byte{0xeb, 0x03}, 3 * 240}, // CELT 5 ms, three frames (code 3)
	} {
		got, err := opusSamples(tc.p)
		if err != nil || got != tc.want {
			t.Errorf("%x: %d %v, want %d", tc.p, got, err, tc.want)
		}
	}
	for _, bad := range [][]byte{nil, {0x03}, {0x03, 0x00}} {
		if _, err := opusSamples(bad); err == nil {
			t.Errorf("%x: no error", bad)
		}
	}
}

func TestOpenTracksRefuses(t *testing.T) {
	for _, tc := range []struct {
		files []string
		want  error
	}{
		{nil, ErrNoFiles},
		{[]string{"clip.mp4"}, ErrUnsupportedFile},
		{[]string{"../testdata/clip-vp8.ivf", "../testdata/clip.h264"}, ErrTooManyTracks},
		{[]string{"../testdata/clip.ogg", "../testdata/clip.ogg"}, ErrTooManyTracks},
		{[]string{"../testdata/clip.ogg"}, nil},
	} {
		tracks, err := openTracks(tc.files, 30)
		closeTracks(tracks)
		if !errors.Is(err, tc.want) {
			t.Errorf("%v: %v, want %v", tc.files, err, tc.want)
		}
	}
	if _, err := openTracks([]string{"../testdata/clip.h264.ivf"}, 30); err == nil {
		t.Error("a missing file opened")
	}
}
