package media

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// kindOfMime is the kind of a MIME type: audio/*, else video.
func kindOfMime(mime string) kind {
	if strings.HasPrefix(strings.ToLower(mime), "audio/") {
		return kindAudio
	}
	return kindVideo
}

// packetSource returns a forwarded packet of a kind by its sequence
// number, nil when the room no longer keeps it.
type packetSource func(k kind, seq uint16) *rtp.Packet

// retransmitFactory makes a viewer peer connection's retransmitter. Each
// viewer's pion API has its own factory, bound to that viewer's source.
type retransmitFactory struct {
	src packetSource
	log *srLog // the viewer's sender reports, for the round trip
}

func (f retransmitFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &retransmitter{src: f.src, log: f.log, now: time.Now, streams: map[uint32]*rtxStream{}}, nil
}

// retransmitter answers a viewer's NACKs (RFC 4585) from the room's shared
// packet history, on the viewer's RTX stream when it negotiated one (RFC
// 4588) and on the media stream otherwise. It replaces pion's NACK
// responder, which copies every packet into a buffer per viewer (1024
// packets, ~1.5 MB, and a copy on every write): here a write is not
// touched, and a NACK costs a lookup. A packet is resent to a viewer at
// most once per round trip (at least resendMinInterval), and a stream's
// resends are rate-limited (resendBurst, resendRate), so a viewer's NACKs
// cannot make the SFU send much more than the stream itself.
type retransmitter struct {
	interceptor.NoOp
	src packetSource
	log *srLog
	now func() time.Time

	mu      sync.Mutex
	streams map[uint32]*rtxStream // by media SSRC
}

// rtxStream is one of the viewer's outgoing streams.
type rtxStream struct {
	kind          kind
	ssrc, rtxSSRC uint32
	pt, rtxPT     uint8
	writer        interceptor.RTPWriter

	mu     sync.Mutex
	rtxSeq uint16
	rtt    time.Duration
	sent   [resendMemory]resent
	tokens float64   // resends allowed now, up to resendBurst
	filled time.Time // when tokens were last topped up
}

const (
	// resendMemory is how many recent resends a stream remembers to
	// suppress repeats within a round trip.
	resendMemory = 512
	// resendMinInterval is the shortest time between two resends of a
	// packet to a viewer, whatever round trip it reports (or none yet).
	resendMinInterval = 20 * time.Millisecond
	// resendBurst and resendRate bound a stream's resends: at most
	// resendBurst at once, resendRate a second after that — about the
	// packet rate of a 2 Mbps stream, so a viewer asking for everything
	// can at most double what it is sent.
	resendBurst = 256
	resendRate  = 250
)

type resent struct {
	seq uint16
	at  time.Time
}

func (r *retransmitter) BindLocalStream(info *interceptor.StreamInfo, writer interceptor.RTPWriter) interceptor.RTPWriter {
	s := &rtxStream{
		kind: kindOfMime(info.MimeType), ssrc: info.SSRC, pt: info.PayloadType, writer: writer,
		rtxSSRC: info.SSRCRetransmission, rtxPT: info.PayloadTypeRetransmission,
		rtxSeq: uint16(rand.Uint32()), // random, as RFC 3550 §5.1 asks of a stream's first
		tokens: resendBurst, filled: r.now(),
	}
	r.mu.Lock()
	r.streams[info.SSRC] = s
	r.mu.Unlock()
	return writer // nothing per packet
}

func (r *retransmitter) UnbindLocalStream(info *interceptor.StreamInfo) {
	r.mu.Lock()
	delete(r.streams, info.SSRC)
	r.mu.Unlock()
}

func (r *retransmitter) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err != nil {
			return 0, nil, err
		}
		if a == nil {
			a = interceptor.Attributes{}
		}
		pkts, err := a.GetRTCPPackets(b[:n])
		if err != nil {
			return 0, nil, err
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerNack:
				r.resend(p)
			case *rtcp.ReceiverReport:
				r.updateRTT(p.Reports)
			case *rtcp.SenderReport:
				r.updateRTT(p.Reports)
			}
		}
		return n, a, nil
	})
}

func (r *retransmitter) stream(ssrc uint32) *rtxStream {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.streams[ssrc]
}

// resend writes the packets a NACK asks for that the history still has,
// as far as the stream's rate limit allows.
func (r *retransmitter) resend(nack *rtcp.TransportLayerNack) {
	s := r.stream(nack.MediaSSRC)
	if s == nil {
		return
	}
	now, limited := r.now(), false
	for _, pair := range nack.Nacks {
		pair.Range(func(seq uint16) bool {
			p := r.src(s.kind, seq)
			if p == nil {
				return true
			}
			ok, more := s.begin(seq, now)
			if ok {
				h, payload := s.packet(p)
				if _, err := s.writer.Write(h, payload, interceptor.Attributes{}); err != nil {
					s.abort(seq)
				}
			}
			limited = !more
			return more
		})
		if limited {
			return
		}
	}
}

// begin reports whether seq may be resent now (not resent within a round
// trip, and the rate limit allows) and notes it; more is false once the
// rate limit is spent.
func (s *rtxStream) begin(seq uint16, now time.Time) (ok, more bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = min(resendBurst, s.tokens+now.Sub(s.filled).Seconds()*resendRate)
	s.filled = now
	slot := &s.sent[int(seq)%resendMemory]
	if slot.seq == seq && !slot.at.IsZero() && now.Sub(slot.at) < max(s.rtt, resendMinInterval)+5*time.Millisecond {
		return false, s.tokens >= 1
	}
	if s.tokens < 1 {
		return false, false
	}
	s.tokens--
	slot.seq, slot.at = seq, now
	return true, s.tokens >= 1
}

// abort forgets a resend whose write failed, so the next NACK may retry it.
func (s *rtxStream) abort(seq uint16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slot := &s.sent[int(seq)%resendMemory]; slot.seq == seq {
		slot.at = time.Time{}
	}
}

// packet returns the header and payload that resend p to this viewer: an
// RTX packet (original sequence number first, RFC 4588 §4) or p itself on
// the viewer's SSRC and payload type.
func (s *rtxStream) packet(p *rtp.Packet) (*rtp.Header, []byte) {
	h := p.Header // a copy: p is shared by every viewer
	h.Extension, h.Extensions = false, nil
	if s.rtxSSRC == 0 || s.rtxPT == 0 {
		h.SSRC, h.PayloadType = s.ssrc, s.pt
		return &h, p.Payload
	}
	payload := make([]byte, 2+len(p.Payload))
	binary.BigEndian.PutUint16(payload, p.SequenceNumber)
	copy(payload[2:], p.Payload)
	s.mu.Lock()
	seq := s.rtxSeq
	s.rtxSeq++
	s.mu.Unlock()
	h.SSRC, h.PayloadType, h.SequenceNumber = s.rtxSSRC, s.rtxPT, seq
	h.Padding, h.PaddingSize = false, 0
	return &h, payload
}

// updateRTT takes the round trip from the viewer's reception reports of
// our streams (RFC 3550 §6.4.1: now − the report's sending − DLSR, the
// sending found by LSR in the srLog), as a running mean.
func (r *retransmitter) updateRTT(reports []rtcp.ReceptionReport) {
	now := r.now()
	for _, rep := range reports {
		s := r.stream(rep.SSRC)
		sent, ok := r.log.sentAt(rep.SSRC, rep.LastSenderReport)
		if s == nil || !ok || rep.LastSenderReport == 0 {
			continue
		}
		d := now.Sub(sent) - time.Duration(rep.Delay)*time.Second/(1<<16)
		if d < 0 {
			continue
		}
		s.mu.Lock()
		if s.rtt == 0 {
			s.rtt = d
		} else {
			s.rtt += (d - s.rtt) / 8
		}
		s.mu.Unlock()
	}
}
