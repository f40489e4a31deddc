package recording

// Lining audio up with video by the publisher's sender reports.
//
// A track's media times start where its first frame arrived (trackStarted)
// and follow its RTP timestamps. Arrival puts each track late by however
// long the publisher took to capture, encode and pace its first frame,
// which is longer for video than for audio. The publisher's RTCP sender
// reports say which wall-clock time (its own, NTP) each track's RTP
// timestamps stand for, so when both tracks have one, Close moves them so
// that their first frames lie as far apart as they were captured: the
// earlier-captured one keeps the earlier start and the other follows by
// the capture gap. Each track's move is its manifest Shift, which Open
// adds to the index's media times (the index is written as frames come and
// is not rewritten). The epoch moves with the video, so events and context
// samples keep their place against the picture. A move of more than
// maxAlign is not made: such reports are taken to be wrong.

import (
	"math"
	"time"
)

// maxAlign is the largest move alignment makes.
const maxAlign = time.Second

// senderReport is a publisher's RTCP sender report: its wall clock
// (64-bit NTP) at an RTP timestamp.
type senderReport struct {
	ntp uint64
	rtp uint32
}

// capture is when the publisher captured a track's first written frame:
// the NTP time of its sender report plus the seconds from the report's RTP
// timestamp to the frame's (kept apart, as a float of a whole NTP time
// would keep only microseconds); start is the frame's media time as
// written.
type capture struct {
	ntp          uint64
	since, start float64
}

// firstCapture returns the track's capture; ok is false without a sender
// report or a frame.
func (t *trackWriter) firstCapture() (c capture, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sr == nil || t.count == 0 {
		return capture{}, false
	}
	since := float64(int32(t.firstTS-t.sr.rtp)) / float64(t.clock) //nolint:gosec // RTP time difference
	return capture{ntp: t.sr.ntp, since: since, start: t.start}, true
}

// align moves m's tracks so that their first frames lie as far apart as
// the publisher captured them (see the file comment), given each track's
// firstCapture.
func (r *Recorder) align(m *Manifest, video, audio func() (capture, bool)) {
	v, vOK := video()
	a, aOK := audio()
	if !vOK || !aOK || m.Video == nil || m.Audio == nil {
		return
	}
	vStart, aStart := v.start, a.start
	// How much later the audio's first frame was captured.
	gap := float64(int64(a.ntp-v.ntp))/(1<<32) + a.since - v.since //nolint:gosec // NTP difference
	first := min(vStart, aStart)
	vShift := first + max(0, -gap) - vStart
	aShift := first + max(0, gap) - aStart
	if math.Abs(vShift) > maxAlign.Seconds() || math.Abs(aShift) > maxAlign.Seconds() {
		r.log.Warn("tracks not aligned: the sender reports would move them too far",
			"video_shift", vShift, "audio_shift", aShift)
		return
	}
	m.Video.shift(vShift)
	m.Audio.shift(aShift)
	m.Duration = max(m.Video.End, m.Audio.End)
	m.Epoch = m.Epoch.Add(-time.Duration(vShift * float64(time.Second)))
}

// shift moves the track's media times by d seconds. It runs once per
// track (Shift is 0 before), so Start, End and KeyTimes are x + d exactly
// as Open computes from the index: its KeyTimes check compares them
// exactly.
func (info *TrackInfo) shift(d float64) {
	if d == 0 {
		return
	}
	info.Shift += d
	info.Start += d
	info.End += d
	for i := range info.KeyTimes {
		info.KeyTimes[i] += d
	}
}
