package recording

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// Every source returns frame i, read in any order by seeking to the index
// offset, exactly as it was recorded.
func TestSourcesReadByIndex(t *testing.T) {
	_, vp8 := ivfFrames(t, fixture("clip-vp8.ivf"))
	aus := h264AccessUnits(t, fixture("clip.h264"))
	h264 := make([][]byte, len(aus))
	for i, au := range aus {
		h264[i] = annexB(au)
	}
	opus, _ := oggPackets(t, fixture("clip.ogg"))
	cases := []struct {
		name, kind, mime string
		clock            uint32
		frames           [][]byte
		ticks            uint32
		payloader        rtp.Payloader
	}{
		{"VP8", KindVideo, webrtc.MimeTypeVP8, 90000, vp8, frameTicks, vp8Payloader()},
		{"H264", KindVideo, webrtc.MimeTypeH264, 90000, h264, frameTicks, &codecs.H264Payloader{}},
		{"Opus", KindAudio, webrtc.MimeTypeOpus, 48000, opus, opusTicks, &codecs.OpusPayloader{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newTestRecorder(t)
			tw, err := r.AddTrack(tc.kind, tc.mime, tc.clock, 1)
			if err != nil {
				t.Fatal(err)
			}
			feed(t, tw, packetizer(tc.payloader, tc.clock), tc.frames, tc.ticks, 0)
			closeRecorder(t, r)
			rec, err := Open(r.Dir())
			if err != nil {
				t.Fatal(err)
			}
			info, index := rec.Manifest().Video, rec.Frames()
			if tc.kind == KindAudio {
				info, index = rec.Manifest().Audio, rec.AudioFrames()
			}
			src, err := openSource(rec.Dir(), info, tc.kind, index)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = src.close() }()
			for _, i := range []int{30, 31, 32, 0, 1, 59, 15, 16} {
				got, err := src.readFrame(i)
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if !bytes.Equal(got, tc.frames[i]) {
					t.Fatalf("frame %d differs (%d bytes, want %d)", i, len(got), len(tc.frames[i]))
				}
			}
		})
	}
}

// An audio-only recording plays and seeks on its packets.
func TestPlayerAudioOnly(t *testing.T) {
	ctx := testContext(t)
	opus, _ := oggPackets(t, fixture("clip.ogg"))
	r, _ := newTestRecorder(t)
	tw, err := r.AddTrack(KindAudio, webrtc.MimeTypeOpus, 48000, 1)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, tw, packetizer(&codecs.OpusPayloader{}, 48000), opus, opusTicks, 0)
	closeRecorder(t, r)
	rec, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlayer(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if at, err := p.Seek(1.5); err != nil || !near(at, 1.5) {
		t.Fatalf("Seek(1.5) = %v, %v; want 1.5", at, err)
	}
	if err := p.Refresh(); err != nil {
		t.Fatal(err)
	}
	if err := p.Play(); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the end", func() bool { return p.State().Ended })
	if s := p.State(); s.Frame != len(opus)-1 || s.Playing {
		t.Errorf("end state %+v", s)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Seek(0); !errors.Is(err, ErrClosed) {
		t.Errorf("Seek after Close = %v", err)
	}
}
