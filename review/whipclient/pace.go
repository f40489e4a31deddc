package whipclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/pion/webrtc/v4"
)

// pace writes the track's samples in real time: sample n goes out when the
// durations of the samples before it have elapsed. With loop, the file
// starts over at its end and the timeline goes on.
func (t *track) pace(ctx context.Context, loop bool) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
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
		if d := time.Until(start.Add(elapsed)); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				return nil
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return nil
		}
		if err := t.local.WriteSample(s); err != nil {
			return err
		}
		t.mediaTime.Store(int64(elapsed))
		elapsed += s.Duration
	}
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
