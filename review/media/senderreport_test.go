package media

import (
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

func TestNTPArithmetic(t *testing.T) {
	at := time.Date(2026, 11, 24, 17, 0, 0, 250_000_000, time.UTC)
	ntp := ntpTime(at)
	if secs, frac := ntp>>32, ntp&0xffffffff; secs != uint64(at.Unix())+2208988800 || frac != 1<<30 {
		t.Fatalf("ntpTime = %d.%d, want the Unix seconds + 2208988800 and a quarter second (%d)", secs, frac, 1<<30)
	}
	for _, d := range []time.Duration{0, 1500 * time.Millisecond, -1500 * time.Millisecond, 90 * time.Second, time.Microsecond} {
		if got, want := addNTP(ntp, d), ntpTime(at.Add(d)); got-want+1 > 2 { // within one unit (2^-32 s) of rounding
			t.Errorf("addNTP(%v) = %d, want %d", d, got, want)
		}
	}
	c := senderClock{ntp: ntp, rtp: 0xffff_ff00, rate: 90000, at: at}
	gotNTP, gotTS := c.extrapolate(at.Add(100 * time.Millisecond))
	if gotTS != 9000-0x100 || gotNTP != addNTP(ntp, 100*time.Millisecond) {
		t.Fatalf("extrapolate 100 ms = %d, %d; want the RTP time 9000 on (wrapped) and the NTP time 100 ms on", gotNTP, gotTS)
	}
	if ntpShort(at) != uint32(ntp>>16) {
		t.Fatal("ntpShort is not the middle 32 bits")
	}
}

// A viewer's sender reports carry the publisher's clock once the publisher
// has reported on every kind the viewer is sent: its NTP time and RTP
// timestamp, moved on to the time of sending. Until then every stream's
// maps its newest frame's timestamp to when the SFU first sent it (never
// one clock for audio and another for video, which a browser would line
// up wrong). Counts are the viewer stream's own; each report's sending is
// logged for the round trip.
func TestSenderReporter(t *testing.T) {
	base := time.Date(2026, 11, 24, 17, 0, 0, 0, time.UTC)
	pubNTP := ntpTime(base.Add(1000 * time.Second)) // the publisher's clock runs 1000 s ahead of ours
	audioReported := false
	clocks := func(k kind) (senderClock, bool) {
		if k == kindVideo {
			return senderClock{ntp: pubNTP, rtp: 500_000, rate: 90000, at: base}, true
		}
		return senderClock{ntp: addNTP(pubNTP, 100*time.Millisecond), rtp: 9_000, rate: 48000, at: base}, audioReported
	}
	log := newSRLog()
	i, err := senderReportFactory{clocks: clocks, log: log}.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	r := i.(*senderReporter)
	now := base
	r.now = func() time.Time { return now }
	video := r.BindLocalStream(&interceptor.StreamInfo{SSRC: 11, MimeType: "video/VP8", ClockRate: 90000}, &captureWriter{})
	audio := r.BindLocalStream(&interceptor.StreamInfo{SSRC: 22, MimeType: "audio/opus", ClockRate: 48000}, &captureWriter{})
	r.BindLocalStream(&interceptor.StreamInfo{SSRC: 33, MimeType: "video/VP8", ClockRate: 90000}, &captureWriter{}) // sends nothing
	write := func(w interceptor.RTPWriter, ts uint32, size int) {
		t.Helper()
		if _, err := w.Write(&rtp.Header{Timestamp: ts}, make([]byte, size), nil); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		write(video, 501_000, 100) // one frame's packets
	}
	now = base.Add(100 * time.Millisecond)
	write(video, 500_000, 100) // an older frame (a replayed GOP cache): the mapping stays
	now = base.Add(200 * time.Millisecond)
	write(audio, 7_000, 40)
	now = base.Add(500 * time.Millisecond)
	reportsNow := func() map[uint32]*rtcp.SenderReport {
		reports := map[uint32]*rtcp.SenderReport{}
		for _, p := range r.reports() {
			sr := p.(*rtcp.SenderReport)
			reports[sr.SSRC] = sr
		}
		if len(reports) != 2 || reports[33] != nil {
			t.Fatalf("reports on %v, want streams 11 and 22 (33 sent nothing)", reports)
		}
		return reports
	}
	near := func(ntp, want uint64) bool { return ntp-want+1 <= 2 } // within a unit of rounding

	// The publisher has reported on its video only: both in our clock.
	reports := reportsNow()
	v, a := reports[11], reports[22]
	if !near(v.NTPTime, ntpTime(base.Add(500*time.Millisecond))) || v.RTPTime != 501_000+45_000 || v.PacketCount != 4 || v.OctetCount != 400 {
		t.Errorf("video report %+v: want our clock, frame 501000 sent at 0 moved on 500 ms (RTP 546000), 4 packets, 400 bytes", v)
	}
	if !near(a.NTPTime, ntpTime(base.Add(500*time.Millisecond))) || a.RTPTime != 7_000+14_400 || a.PacketCount != 1 || a.OctetCount != 40 {
		t.Errorf("audio report %+v: want our clock, the last timestamp 300 ms on (RTP 21400), 1 packet, 40 bytes", a)
	}
	for ssrc, sr := range reports {
		if at, ok := log.sentAt(ssrc, uint32(sr.NTPTime>>16)); !ok || !at.Equal(now) {
			t.Errorf("stream %d's report logged at %v, %v; want %v", ssrc, at, ok, now)
		}
	}

	// Now on both: both in the publisher's clock.
	audioReported = true
	reports = reportsNow()
	v, a = reports[11], reports[22]
	if v.NTPTime != addNTP(pubNTP, 500*time.Millisecond) || v.RTPTime != 500_000+45_000 {
		t.Errorf("video report %+v: want the publisher's clock 500 ms on (RTP 545000)", v)
	}
	if a.NTPTime != addNTP(addNTP(pubNTP, 100*time.Millisecond), 500*time.Millisecond) || a.RTPTime != 9_000+24_000 {
		t.Errorf("audio report %+v: want the publisher's clock 500 ms on (RTP 33000)", a)
	}

	r.UnbindLocalStream(&interceptor.StreamInfo{SSRC: 11})
	if _, ok := log.sentAt(11, uint32(v.NTPTime>>16)); ok {
		t.Error("an unbound stream's reports are still logged")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// The reporter and the retransmitter of a viewer share one srLog, or the
// round trip would never be measured.
func TestViewerInterceptorsShareTheirLog(t *testing.T) {
	rtx, sr := viewerInterceptors(nil, nil)
	if rtx.log == nil || rtx.log != sr.log {
		t.Fatal("the viewer's retransmitter and sender reporter do not share their srLog")
	}
}

func TestExtrapolateLongGap(t *testing.T) {
	at := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	c := senderClock{ntp: ntpTime(at), rtp: 0, rate: 90000, at: at}
	if _, ts := c.extrapolate(at.Add(48 * time.Hour)); ts != uint32(uint64(48*3600*90000)%(1<<32)) {
		t.Fatalf("RTP time 48 h on = %d, want %d", ts, uint32(uint64(48*3600*90000)%(1<<32)))
	}
}
