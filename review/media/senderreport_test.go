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
// has sent a report for the kind: the publisher's NTP time and RTP
// timestamp, moved on to the time of sending. Before that, they map the
// latest packet's timestamp to when the SFU sent it. Counts are the
// viewer stream's own; each report's sending is logged for the round trip.
func TestSenderReporter(t *testing.T) {
	base := time.Date(2026, 11, 24, 17, 0, 0, 0, time.UTC)
	pubNTP := ntpTime(base.Add(1000 * time.Second)) // the publisher's clock runs 1000 s ahead of ours
	clocks := func(k kind) (senderClock, bool) {
		if k == kindVideo {
			return senderClock{ntp: pubNTP, rtp: 500_000, rate: 90000, at: base}, true
		}
		return senderClock{}, false // no audio report yet
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
	for range 3 {
		if _, err := video.Write(&rtp.Header{SSRC: 11, Timestamp: 501_000}, make([]byte, 100), nil); err != nil {
			t.Fatal(err)
		}
	}
	now = base.Add(200 * time.Millisecond)
	if _, err := audio.Write(&rtp.Header{SSRC: 22, Timestamp: 7_000}, make([]byte, 40), nil); err != nil {
		t.Fatal(err)
	}
	now = base.Add(500 * time.Millisecond)
	reports := map[uint32]*rtcp.SenderReport{}
	for _, p := range r.reports() {
		sr := p.(*rtcp.SenderReport)
		reports[sr.SSRC] = sr
	}
	if len(reports) != 2 || reports[33] != nil {
		t.Fatalf("reports on %v, want streams 11 and 22 (33 sent nothing)", reports)
	}
	v := reports[11]
	if v.NTPTime != addNTP(pubNTP, 500*time.Millisecond) || v.RTPTime != 500_000+45_000 || v.PacketCount != 3 || v.OctetCount != 300 {
		t.Errorf("video report %+v: want the publisher's clock 500 ms on (RTP 545000), 3 packets, 300 bytes", v)
	}
	a := reports[22]
	if a.NTPTime-ntpTime(base.Add(500*time.Millisecond))+1 > 2 || a.RTPTime != 7_000+14_400 || a.PacketCount != 1 || a.OctetCount != 40 { // NTP within a unit of rounding
		t.Errorf("audio report %+v: want our clock, the last timestamp 300 ms on (RTP 21400), 1 packet, 40 bytes", a)
	}
	for ssrc, sr := range reports {
		if at, ok := log.sentAt(ssrc, uint32(sr.NTPTime>>16)); !ok || !at.Equal(now) {
			t.Errorf("stream %d's report logged at %v, %v; want %v", ssrc, at, ok, now)
		}
	}
	r.UnbindLocalStream(&interceptor.StreamInfo{SSRC: 11})
	if _, ok := log.sentAt(11, uint32(v.NTPTime>>16)); ok {
		t.Error("an unbound stream's reports are still logged")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
