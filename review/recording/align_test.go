package recording

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// ntpAt is a 64-bit NTP timestamp secs seconds after an arbitrary moment.
func ntpAt(secs float64) uint64 {
	const base = 3_990_000_000 // seconds since 1900
	whole := math.Floor(secs)
	return (base+uint64(whole))<<32 | uint64((secs-whole)*(1<<32))
}

// alignCase records the VP8 and Opus fixtures, the audio arriving at the
// epoch and the video 100 ms later; srs, if set, gives each track a sender
// report saying the audio's first frame was captured gap seconds after the
// video's.
func alignCase(t *testing.T, gap float64, srs bool) (*Recorder, time.Time) {
	t.Helper()
	r, _ := newTestRecorder(t)
	epoch := time.Date(2026, 11, 24, 17, 0, 0, 0, time.UTC)
	now := epoch
	r.now = func() time.Time { return now }
	write := func(tc trackCase, at time.Time, capture float64) {
		tw, err := r.AddTrack(tc.kind, tc.mime, tc.clock, 2)
		if err != nil {
			t.Fatal(err)
		}
		now = at
		pk := packetizer(tc.payloader(), tc.clock)
		for i, frame := range tc.read(t, fixture(tc.fixture)) {
			for _, p := range pk.Packetize(frame, tc.ticks) {
				if i == 0 && srs {
					// A report 10 ms into the track, at its capture time.
					tw.WriteSenderReport(ntpAt(capture+0.01), p.Timestamp+tc.clock/100)
				}
				if err := tw.WriteRTP(p); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	write(opusCase, epoch, 100+gap)
	write(vp8Case, epoch.Add(100*time.Millisecond), 100)
	if err := r.WriteEventAt(epoch.Add(100*time.Millisecond), json.RawMessage(`{"type":"first picture"}`)); err != nil {
		t.Fatal(err)
	}
	closeRecorder(t, r)
	return r, epoch
}

// With the publisher's sender reports, Close moves the tracks so their
// first frames lie as far apart as they were captured (audio 50 ms after
// the video here, though it arrived 100 ms before it); Open reads the
// moved times; the epoch moves with the video, so an event at the first
// picture's arrival is at its media time.
func TestAlignBySenderReports(t *testing.T) {
	r, epoch := alignCase(t, 0.05, true)
	rec, err := Open(r.Dir())
	if err != nil {
		t.Fatal(err)
	}
	m := rec.Manifest()
	if !near(m.Video.Shift, -0.1) || !near(m.Audio.Shift, 0.05) || !near(m.Video.Start, 0) || !near(m.Audio.Start, 0.05) {
		t.Fatalf("video shift %v start %v, audio shift %v start %v; want -0.1 to 0 and +0.05 to 0.05",
			m.Video.Shift, m.Video.Start, m.Audio.Shift, m.Audio.Start)
	}
	if v, a := rec.Frames()[0].MediaTime, rec.AudioFrames()[0].MediaTime; !near(v, 0) || !near(a, 0.05) {
		t.Fatalf("first frames at %v (video) and %v (audio), want 0 and 0.05", v, a)
	}
	if !near(m.Video.KeyTimes[0], 0) || !near(m.Duration, max(m.Video.End, m.Audio.End)) {
		t.Fatalf("key times %v, duration %v (ends %v, %v)", m.Video.KeyTimes, m.Duration, m.Video.End, m.Audio.End)
	}
	if want := epoch.Add(100 * time.Millisecond); !m.Epoch.Equal(want) {
		t.Fatalf("epoch %v, want %v (moved with the video)", m.Epoch, want)
	}
	events, err := rec.Events()
	if err != nil || len(events) != 1 || !near(events[0].MediaTime, 0) {
		t.Fatalf("events %+v, %v: want the first picture's at 0", events, err)
	}
	if k, ok := rec.KeyframeAtOrBefore(0); !ok || k.Number != 0 {
		t.Fatalf("seek to 0: frame %d, %v", k.Number, ok)
	}
}

// Without a report on each track, or with reports that would move a track
// by more than maxAlign, the tracks stay where they arrived.
func TestAlignNeedsPlausibleReports(t *testing.T) {
	for name, gap := range map[string]float64{"no reports": 0, "5 s apart": 5} {
		t.Run(name, func(t *testing.T) {
			r, _ := alignCase(t, gap, gap != 0)
			rec, err := Open(r.Dir())
			if err != nil {
				t.Fatal(err)
			}
			m := rec.Manifest()
			if m.Video.Shift != 0 || m.Audio.Shift != 0 || !near(rec.Frames()[0].MediaTime, 0.1) || !near(rec.AudioFrames()[0].MediaTime, 0) {
				t.Fatalf("shifts %v, %v; first frames at %v, %v: want none, at arrival (0.1 and 0)",
					m.Video.Shift, m.Audio.Shift, rec.Frames()[0].MediaTime, rec.AudioFrames()[0].MediaTime)
			}
		})
	}
}
