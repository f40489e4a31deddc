package whipclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/pion/webrtc/v4"
)

// spreadFraction is the share of a sample's duration its packets are
// spread over: libwebrtc's pacer sends at 2.5 × the target bitrate, so an
// average frame leaves in 1/2.5 of its interval.
const spreadFraction = 0.4

// pace writes the track's samples in real time: sample n starts when the
// durations of the samples before it have elapsed, and its packets are
// spread evenly over spreadFraction of its duration. With loop, the file
// starts over at its end and the timeline goes on.
func (t *track) pace(ctx context.Context, loop bool) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	wait := func(until time.Time) bool {
		d := time.Until(until)
		if d <= 0 {
			return ctx.Err() == nil
		}
		timer.Reset(d)
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		}
	}
	start := time.Now()
	var elapsed time.Duration
	for {
		s, err := t.src.next()
		if errors.Is(err, io.EOF) {
			if !loop {
				return nil
			}
			if err := t.src.rewind(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		at := start.Add(elapsed)
		pkts := t.rtp.packets(s)
		for i, p := range pkts {
			if !wait(at.Add(packetOffset(s.Duration, i, len(pkts)))) {
				return nil
			}
			if err := t.out.WriteRTP(p); err != nil {
				return err
			}
			if i == 0 {
				t.mediaTime.Store(int64(elapsed))
			}
		}
		elapsed += s.Duration
	}
}

// packetOffset is when packet i of a sample's n goes out, after the
// sample's start: evenly spread, the last one before spreadFraction of
// the sample's duration d.
func packetOffset(d time.Duration, i, n int) time.Duration {
	return time.Duration(float64(d) * spreadFraction * float64(i) / float64(max(n, 1)))
}

// sendSamples sends a context sample every ContextInterval once the data
// channel is open, stamped with the media time of the first track (the
// video, if the files have one).
func (p *publication) sendSamples(ctx context.Context) {
	if p.dc == nil {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-p.opened:
	}
	clock := p.tracks[0]
	for _, t := range p.tracks {
		if kindOf(t.local.Codec()) == webrtc.RTPCodecTypeVideo {
			clock = t
		}
	}
	tick := time.NewTicker(p.opts.ContextInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		mt := time.Duration(clock.mediaTime.Load()).Seconds()
		s, ok := p.opts.Context(mt)
		if !ok {
			continue
		}
		s.MediaTime = mt
		b, err := json.Marshal(s)
		if err == nil {
			err = p.dc.Send(b)
		}
		if err != nil {
			p.log.Debug("context sample not sent", "err", err)
		}
	}
}
