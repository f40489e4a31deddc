package recording

import (
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// BenchmarkTrackWriterVP8 measures recording one VP8 packet (reorder,
// keyframe check, ivfwriter, index).
func BenchmarkTrackWriterVP8(b *testing.B) {
	_, src := ivfFrames(b, fixture("clip-vp8.ivf"))
	r := NewRecorder(b.TempDir(), nil)
	tw, err := r.AddTrack(KindVideo, webrtc.MimeTypeVP8, 90000, 0)
	if err != nil {
		b.Fatal(err)
	}
	pk := packetizer(vp8Payloader(), 90000)
	var pkts []*rtp.Packet
	for range 10 {
		for _, f := range src {
			pkts = append(pkts, pk.Packetize(f, frameTicks)...)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pkts[i%len(pkts)]
		p.SequenceNumber = uint16(i) //nolint:gosec // wraps on purpose
		if err := tw.WriteRTP(p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
}

// longRecording records minutes of a synthetic 30 fps VP8 stream (small
// frames, a keyframe every 2 s) into a new directory and returns it: a
// review session's worth of index without its megabytes of media.
func longRecording(b *testing.B, minutes int) string {
	b.Helper()
	dir := b.TempDir()
	r := NewRecorder(dir, nil)
	tw, err := r.AddTrack(KindVideo, webrtc.MimeTypeVP8, 90000, 0)
	if err != nil {
		b.Fatal(err)
	}
	key := make([]byte, 200) // a VP8 key frame header: P=0, start code, 640x480
	copy(key, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01})
	inter := make([]byte, 120)
	inter[0] = 0x01 // P=1
	pk := packetizer(vp8Payloader(), 90000)
	for i := range minutes * 60 * 30 {
		frame := inter
		if i%60 == 0 {
			frame = key
		}
		for _, p := range pk.Packetize(frame, frameTicks) {
			if err := tw.WriteRTP(p); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkOpenLong measures opening a 30-minute recording (its manifest
// and its whole index, as playback needs) against reading its manifest
// alone (as a listing does).
func BenchmarkOpenLong(b *testing.B) {
	dir := longRecording(b, 30)
	b.Run("Open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Open(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadManifest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m, err := ReadManifest(dir)
			if err != nil || len(m.Video.KeyTimes) != 900 {
				b.Fatalf("%d key times, %v; want 900", len(m.Video.KeyTimes), err)
			}
		}
	})
}
