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
