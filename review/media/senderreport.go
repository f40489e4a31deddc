package media

// Sender reports to viewers (RFC 3550 §6.4.1), in the publisher's clock.
//
// A viewer's browser lines audio up with video by their sender reports:
// each says which wall-clock (NTP) time an RTP timestamp stands for. pion's
// sender-report interceptor would say the time the SFU forwarded it, so a
// track's mapping would carry how long the publisher took to capture,
// encode and pace it, and video, which takes longer than audio, would play
// late against it. The SFU forwards the publisher's RTP timestamps
// unchanged, so it reports the publisher's own mapping instead: the latest
// sender report the publisher sent for the track (the forwarder keeps it),
// carried forward to the time of sending at the RTP clock rate. Until the
// publisher's first report it falls back to pion's mapping: the SFU's
// clock at the latest packet forwarded.
//
// The receiver's reports echo the middle 32 bits of a report's NTP time
// (LSR). Those are the publisher's clock, not ours, so the round trip is
// measured from when we sent the report that carried them (srLog).

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// senderClock is a publisher's sender report for a track: its wall clock
// (64-bit NTP) at an RTP timestamp, the track's clock rate, and when the
// SFU received it.
type senderClock struct {
	ntp  uint64
	rtp  uint32
	rate uint32
	at   time.Time
}

// clockSource returns the publisher's latest sender report for a kind of
// track, false before the first.
type clockSource func(k kind) (senderClock, bool)

// extrapolate returns the publisher's NTP time and RTP timestamp at t (the
// SFU's time): the report's, moved on by t - c.at.
func (c senderClock) extrapolate(t time.Time) (ntp uint64, ts uint32) {
	d := t.Sub(c.at)
	// Whole seconds and the rest apart: d × rate in nanoseconds would
	// overflow after a day.
	ticks := int64(d/time.Second)*int64(c.rate) + int64(d%time.Second)*int64(c.rate)/int64(time.Second)
	return addNTP(c.ntp, d), c.rtp + uint32(ticks) //nolint:gosec // wraps like RTP time
}

// addNTP adds d to a 64-bit NTP timestamp (32.32 fixed point seconds).
func addNTP(ntp uint64, d time.Duration) uint64 {
	neg := d < 0
	if neg {
		d = -d
	}
	secs, rest := uint64(d/time.Second), uint64(d%time.Second) //nolint:gosec // d >= 0
	delta := secs<<32 + rest<<32/uint64(time.Second)
	if neg {
		return ntp - delta
	}
	return ntp + delta
}

// ntpTime is t as a 64-bit NTP timestamp.
func ntpTime(t time.Time) uint64 {
	const unixToNTP = 2208988800
	secs := uint64(t.Unix()) + unixToNTP //nolint:gosec // after 1970
	return secs<<32 | uint64(t.Nanosecond())<<32/uint64(time.Second)
}

// RoundTrip returns the round trip a reception report shows at now (RFC
// 3550 §6.4.1: now − LSR − DLSR), for a sender whose reports carry its own
// clock, as a publisher's do; ok is false when the report names no sender
// report (LSR 0) or the result is not a plausible duration (clocks or the
// report garbled). The SFU's own reports to viewers carry the publisher's
// clock, so it uses srLog instead.
func RoundTrip(rep rtcp.ReceptionReport, now time.Time) (d time.Duration, ok bool) {
	if rep.LastSenderReport == 0 {
		return 0, false
	}
	rtt := ntpShort(now) - rep.LastSenderReport - rep.Delay
	if rtt >= 1<<31 {
		return 0, false
	}
	return time.Duration(rtt) * time.Second / (1 << 16), true
}

// ntpShort is the middle 32 bits of t's NTP timestamp (16.16 seconds since
// 1900), the unit of LSR and DLSR.
func ntpShort(t time.Time) uint32 { return uint32(ntpTime(t) >> 16) } //nolint:gosec // the middle 32 bits

// srLog remembers when each recent sender report to a viewer was sent, by
// the middle 32 bits of its NTP time, so that the round trip can be read
// off the viewer's reports (now − sent − DLSR) whoever's clock the NTP time
// is.
type srLog struct {
	mu   sync.Mutex
	sent map[uint32]*[srLogSize]srSent // by stream SSRC
}

const srLogSize = 8 // a report a second: eight seconds of reports

type srSent struct {
	lsr uint32
	at  time.Time
}

func newSRLog() *srLog { return &srLog{sent: map[uint32]*[srLogSize]srSent{}} }

func (l *srLog) note(ssrc, lsr uint32, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ring := l.sent[ssrc]
	if ring == nil {
		ring = &[srLogSize]srSent{}
		l.sent[ssrc] = ring
	}
	copy(ring[1:], ring[:srLogSize-1])
	ring[0] = srSent{lsr, at}
}

// sentAt returns when the report to stream ssrc with middle NTP bits lsr
// was sent, false if it is not one of the recent ones.
func (l *srLog) sentAt(ssrc, lsr uint32) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ring := l.sent[ssrc]; ring != nil {
		for _, s := range ring {
			if s.lsr == lsr && !s.at.IsZero() {
				return s.at, true
			}
		}
	}
	return time.Time{}, false
}

func (l *srLog) forget(ssrc uint32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.sent, ssrc)
}

// senderReportInterval is how often a viewer's streams are reported on,
// as pion's interceptor does.
const senderReportInterval = time.Second

// senderReportFactory makes a viewer peer connection's sender reporter.
type senderReportFactory struct {
	clocks clockSource
	log    *srLog
}

func (f senderReportFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &senderReporter{clocks: f.clocks, log: f.log, now: time.Now, interval: senderReportInterval,
		streams: map[uint32]*srStream{}, done: make(chan struct{})}, nil
}

// senderReporter sends a sender report on each of a viewer's streams every
// interval, in the publisher's clock when it is known.
type senderReporter struct {
	interceptor.NoOp
	clocks   clockSource
	log      *srLog
	now      func() time.Time
	interval time.Duration

	mu      sync.Mutex
	streams map[uint32]*srStream
	done    chan struct{}
	closed  bool
	wg      sync.WaitGroup
}

// srStream counts what a viewer's stream has sent. Writes update it with
// atomics only: it is on every forwarded packet's path.
type srStream struct {
	kind    kind
	ssrc    uint32
	rate    uint32
	packets atomic.Uint32
	octets  atomic.Uint32
	last    atomic.Pointer[lastFrame] // the newest timestamp sent and when; nil before the first
}

// lastFrame is when a stream first sent its newest RTP timestamp: the
// SFU-clock mapping the fallback reports, as pion's interceptor keeps it
// (later packets of the frame, reordered ones and a replayed GOP cache's
// older ones do not move it).
type lastFrame struct {
	ts uint32
	at time.Time
}

func (r *senderReporter) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	s := &srStream{kind: kindOfMime(info.MimeType), ssrc: info.SSRC, rate: info.ClockRate}
	r.mu.Lock()
	r.streams[info.SSRC] = s
	r.mu.Unlock()
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		n, err := writer.Write(h, payload, a)
		if err == nil {
			s.packets.Add(1)
			s.octets.Add(uint32(len(payload)))                               //nolint:gosec // an RTP payload
			if l := s.last.Load(); l == nil || int32(h.Timestamp-l.ts) > 0 { //nolint:gosec // RTP time difference
				s.last.Store(&lastFrame{ts: h.Timestamp, at: r.now()}) // once a frame: writes come from one goroutine
			}
		}
		return n, err
	})
}

func (r *senderReporter) UnbindLocalStream(info *interceptor.StreamInfo) {
	r.mu.Lock()
	delete(r.streams, info.SSRC)
	r.mu.Unlock()
	r.log.forget(info.SSRC)
}

func (r *senderReporter) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.wg.Add(1)
		go r.run(w)
	}
	return w
}

// run reports every interval until Close.
func (r *senderReporter) run(w interceptor.RTCPWriter) {
	defer r.wg.Done()
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-t.C:
			if pkts := r.reports(); len(pkts) > 0 {
				_, _ = w.Write(pkts, interceptor.Attributes{}) // a lost report is replaced by the next
			}
		}
	}
}

// reports returns a sender report for each stream that has sent, and notes
// when each was sent. The streams' reports are all in the publisher's
// clock or all in the SFU's: a browser compares the audio's mapping with
// the video's, so one of each would misalign them by the clocks' offset.
// The publisher's is used once it has reported on every kind sent.
func (r *senderReporter) reports() []rtcp.Packet {
	now := r.now()
	r.mu.Lock()
	streams := make([]*srStream, 0, len(r.streams))
	for _, s := range r.streams {
		if s.last.Load() != nil { // nothing sent: nothing to map
			streams = append(streams, s)
		}
	}
	r.mu.Unlock()
	clocks := make([]senderClock, len(streams))
	publisher := true
	for i, s := range streams {
		c, ok := r.clocks(s.kind)
		clocks[i], publisher = c, publisher && ok && c.rate == s.rate
	}
	var out []rtcp.Packet
	for i, s := range streams {
		c := clocks[i]
		if !publisher { // the SFU's clock at the newest frame sent, as pion's interceptor
			l := s.last.Load()
			c = senderClock{ntp: ntpTime(l.at), rtp: l.ts, rate: s.rate, at: l.at}
		}
		ntp, ts := c.extrapolate(now)
		r.log.note(s.ssrc, uint32(ntp>>16), now) //nolint:gosec // the middle 32 bits
		out = append(out, &rtcp.SenderReport{SSRC: s.ssrc, NTPTime: ntp, RTPTime: ts,
			PacketCount: s.packets.Load(), OctetCount: s.octets.Load()})
	}
	return out
}

func (r *senderReporter) Close() error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.done)
	}
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}
