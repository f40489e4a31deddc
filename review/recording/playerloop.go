package recording

import (
	"context"
	"time"
)

// loop is the player's one goroutine: it sends every frame when its time
// comes and applies commands between frames.
func (p *Player) loop(ctx context.Context) {
	defer p.wg.Done()
	defer close(p.quit)
	defer func() { p.loopErr = p.closeSources() }()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		var wake <-chan time.Time
		if p.playing {
			l := p.nextLane()
			if l == nil {
				p.reachEnd()
				continue
			}
			timer.Reset(p.dueIn(l))
			wake = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-p.done:
			return
		case c := <-p.cmds:
			c.reply <- p.handle(c)
		case <-wake:
			p.sendFrom(p.nextLane())
		}
	}
}

// main is the lane that positions and timestamps playback: video, or audio
// when there is no video.
func (p *Player) main() *lane {
	if p.video != nil {
		return p.video
	}
	return p.audio
}

// nextLane is the lane whose next frame comes first, nil at the end.
func (p *Player) nextLane() *lane {
	var best *lane
	for _, l := range p.lanes() {
		if !l.done() && (best == nil || l.nextTime() < best.nextTime()) {
			best = l
		}
	}
	return best
}

// dueIn is how long until l's next frame is due on the playback clock.
func (p *Player) dueIn(l *lane) time.Duration {
	due := p.anchorWall.Add(time.Duration((l.nextTime() - p.anchorMedia) * float64(time.Second)))
	return due.Sub(p.now())
}

// sendFrom sends l's next frame; a read error pauses playback.
func (p *Player) sendFrom(l *lane) {
	fr, ts, err := l.send(p.now())
	if err != nil {
		p.log.Error("playback stopped: cannot read frame", "kind", l.kind, "frame", fr.Number, "err", err)
		l.jump(l.next + 1)
		p.playing = false
		p.update(func(s *PlayerState) { s.Playing = false })
		return
	}
	if l != p.main() {
		return
	}
	p.mu.Lock()
	p.state.MediaTime, p.state.Frame, p.state.RTPTimestamp = fr.MediaTime, fr.Number, ts
	if len(p.stamps) < stampRing {
		p.stamps = append(p.stamps, stamp{})
	}
	p.stamps[p.stampAt%stampRing] = stamp{ts: ts, t: fr.MediaTime}
	p.stampAt = (p.stampAt + 1) % stampRing
	p.mu.Unlock()
}

func (p *Player) reachEnd() {
	p.playing = false
	p.update(func(s *PlayerState) { s.Playing, s.Ended = false, true })
}

func (p *Player) handle(c command) reply {
	switch c.op {
	case opPlay:
		p.play()
	case opPause:
		p.playing = false
		for _, l := range p.lanes() {
			l.cont = false
		}
		p.update(func(s *PlayerState) { s.Playing = false })
	case opSeek:
		return reply{t: p.seek(c.t)}
	case opRefresh:
		p.refresh()
	}
	return reply{}
}

func (p *Player) play() {
	if p.playing {
		return
	}
	if p.nextLane() == nil {
		p.seek(0)
	}
	p.playing = true
	p.anchorWall = p.now()
	if m := p.main(); m.sentAny {
		p.anchorMedia = m.frames[m.lastPos].MediaTime
	} else if l := p.nextLane(); l != nil {
		p.anchorMedia = l.nextTime()
	}
	p.update(func(s *PlayerState) { s.Playing, s.Ended = true, false })
}

// seek positions every lane at the keyframe at or before t, sends it, and
// returns its media time.
func (p *Player) seek(t float64) float64 {
	t = min(t, p.rec.Duration())
	k, ok := p.rec.KeyframeAtOrBefore(t)
	if !ok {
		if k, ok = p.rec.firstKeyframe(); !ok {
			return 0
		}
	}
	p.seekLanes(k)
	p.sendFrom(p.main())
	p.anchorWall, p.anchorMedia = p.now(), k.MediaTime
	p.update(func(s *PlayerState) { s.Ended = false })
	return k.MediaTime
}

func (p *Player) seekLanes(k Frame) {
	if p.video != nil {
		p.video.jump(k.Number)
		if p.audio != nil {
			p.audio.jump(firstAtOrAfter(p.audio.frames, k.MediaTime))
		}
		return
	}
	p.audio.jump(k.Number)
}

// update changes the state and tells the OnState function.
func (p *Player) update(f func(*PlayerState)) {
	p.mu.Lock()
	f(&p.state)
	s, cb := p.state, p.onState
	p.mu.Unlock()
	if cb != nil {
		cb(s)
	}
}

// refresh re-sends the video frames from the last keyframe up to the frame
// viewers hold; see Player.Refresh.
func (p *Player) refresh() {
	v := p.video
	now := p.now()
	if v == nil || !v.sentAny || now.Sub(p.lastRefresh) < p.refreshGap {
		return
	}
	p.lastRefresh = now
	cur, next := v.lastPos, v.next
	k, ok := keyAtOrBefore(v.frames, p.rec.videoKeys, v.frames[cur].MediaTime)
	if !ok || k.Number > cur {
		return
	}
	for i := k.Number; i <= cur; i++ {
		v.jump(i)
		p.sendFrom(v)
	}
	v.next = next
}
