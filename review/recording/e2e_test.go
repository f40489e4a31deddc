package recording

import (
	"context"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// A publisher sends the VP8 fixture from frame 5 through real pion peers; the
// receiver's OnTrack feeds a Recorder, the way the SFU will. The recorder
// asks for a keyframe (the publisher sees the PLI), drops frames 5-14 and
// records from the keyframe at frame 15.
//
// The rule for what is in flight at Close: the file holds exactly the frames
// from the first keyframe the recorder received through the last frame whose
// final (marker) packet reached it before Close; a frame still in flight is
// not written at all. The test closes only after the 45th frame arrived, so
// it can assert the count, the header and every byte exactly.
func TestRecorderFromPeerConnection(t *testing.T) {
	ctx := testContext(t)
	api := testAPI(t)
	_, src := ivfFrames(t, fixture("clip-vp8.ivf"))
	var wg sync.WaitGroup // the publisher's RTCP reader and the subscriber's track reader
	pub := newPublisher(t, api, &wg)
	sub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { // the readers end when the peers close
		closePeer(t, pub.pc)
		closePeer(t, sub)
		waitGroup(t, &wg)
	}()
	rec, _ := newTestRecorder(t)
	writers := recordTracks(t, sub, rec, &wg)
	connect(ctx, t, pub.pc, sub)

	pub.send(ctx, t, src[feedFromFrame:])
	var tw TrackWriter
	select {
	case tw = <-writers:
	case <-ctx.Done():
		t.Fatal("no track arrived")
	}
	waitFor(ctx, t, "the publisher to see a PLI", pub.sawPLI.Load)
	waitFor(ctx, t, "45 recorded frames", func() bool { return tw.Frames() >= recordedFrames })
	closeRecorder(t, rec)

	hdr, got := ivfFrames(t, filepath.Join(rec.Dir(), videoIVFFile))
	if hdr.NumFrames != recordedFrames || len(got) != recordedFrames {
		t.Fatalf("recorded %d frames (header %d), want %d", len(got), hdr.NumFrames, recordedFrames)
	}
	if !reflect.DeepEqual(got, src[firstKeyFedFrom:]) {
		t.Fatal("recorded frames differ from the frames sent from the first keyframe")
	}
	checkLiveIndex(t, rec.Dir())
}

// publisher sends a VP8 track and notes whether a PLI came back.
type publisher struct {
	pc     *webrtc.PeerConnection
	track  *webrtc.TrackLocalStaticSample
	sawPLI atomic.Bool
}

func newPublisher(t *testing.T, api *webrtc.API, wg *sync.WaitGroup) *publisher {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	track, err := webrtc.NewTrackLocalStaticSample(capVP8, "video", "publisher")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := pc.AddTrack(track)
	if err != nil {
		t.Fatal(err)
	}
	p := &publisher{pc: pc, track: track}
	wg.Add(1)
	go func() { // drains RTCP; ends when pc closes
		defer wg.Done()
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, pkt := range pkts {
				if _, ok := pkt.(*rtcp.PictureLossIndication); ok {
					p.sawPLI.Store(true)
				}
			}
		}
	}()
	return p
}

// send writes frames at three times real speed; the timestamps say 30 fps.
func (p *publisher) send(ctx context.Context, t *testing.T, frames [][]byte) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for _, frame := range frames {
		if err := p.track.WriteSample(media.Sample{Data: frame, Duration: time.Second / 30}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("timed out sending")
		}
	}
}

// recordTracks wires sub's first track into rec as the SFU will: a PLI hook,
// AddTrack, then ReadRTP into WriteRTP until the track ends.
func recordTracks(t *testing.T, sub *webrtc.PeerConnection, rec *Recorder, wg *sync.WaitGroup) <-chan TrackWriter {
	writers := make(chan TrackWriter, 1)
	var once sync.Once
	wg.Add(1)
	sub.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		first := false
		once.Do(func() { first = true })
		if !first {
			t.Error("a second track arrived")
			return
		}
		defer wg.Done()
		rec.RequestKeyframe = func() {
			pli := &rtcp.PictureLossIndication{MediaSSRC: uint32(tr.SSRC())}
			if err := sub.WriteRTCP([]rtcp.Packet{pli}); err != nil {
				t.Errorf("send PLI: %v", err)
			}
		}
		c := tr.Codec()
		tw, err := rec.AddTrack(tr.Kind().String(), c.MimeType, c.ClockRate, c.Channels)
		if err != nil {
			t.Errorf("AddTrack: %v", err)
			return
		}
		writers <- tw
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if err := tw.WriteRTP(p); err != nil {
				t.Errorf("WriteRTP: %v", err)
			}
		}
	})
	return writers
}

// checkLiveIndex checks the index of the live recording: keyframes every 15
// frames, media times at 30 fps within a millisecond (TrackLocalStaticSample
// steps 2999 or 3000 ticks), and some packets dropped before the keyframe.
func checkLiveIndex(t *testing.T, dir string) {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range r.Frames() {
		want := float64(i) / 30
		if f.Keyframe != (i%fixtureGOP == 0) || f.MediaTime < want-0.001 || f.MediaTime > want+0.001 {
			t.Errorf("frame %d = %+v", i, f)
		}
	}
	if d := r.Manifest().Video.Dropped; d == 0 {
		t.Error("no packets were dropped before the keyframe")
	}
}
