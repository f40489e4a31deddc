package recording

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/h264writer"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"

	"atelier/review/internal/rtpkey"
)

// keyframeRetry is how often a video track still waiting for its first
// keyframe asks for one again.
const keyframeRetry = time.Second

// TrackWriter takes one published track's RTP packets, in arrival order.
type TrackWriter interface {
	// WriteRTP records one packet. Video packets before the first keyframe
	// are dropped (and counted); padding-only packets are ignored. An error
	// means the packet was not recorded: a malformed payload (the caller may
	// go on) or a failed file write.
	WriteRTP(p *rtp.Packet) error
	// Frames is how many frames (audio packets) have been written so far.
	Frames() int
	// WriteSenderReport takes one of the publisher's RTCP sender reports
	// for the track: its wall clock (64-bit NTP) at an RTP timestamp. The
	// first is kept; Close lines the tracks up by them (align.go).
	WriteSenderReport(ntp uint64, rtpTime uint32)
}

// mediaWriter is what pion's ivfwriter and h264writer are, and what
// oggTrackWriter adapts oggwriter's multi-track Writer to.
type mediaWriter interface {
	WriteRTP(p *rtp.Packet) error
	Close() error
}

// trackWriter records one track: it gates video on the first keyframe, hands
// packets to pion's writer through a countingWriter, and derives the index
// from what the writer wrote.
type trackWriter struct {
	rec             *Recorder
	kind            string
	codec           codec
	mime            string // canonical, as pion's constants spell it
	clock           uint32
	channels        uint16
	log             *slog.Logger
	requestKeyframe func()

	mu          sync.Mutex
	order       *reorder
	ready       []*rtp.Packet // reused output of order
	file        *os.File
	cw          *countingWriter
	w           mediaWriter // nil until the first keyframe (first packet for audio)
	idx         *indexWriter
	closed      bool
	dropped     int
	lastRequest time.Time
	width       uint16
	height      uint16
	ssrc        uint32

	curTS   uint32 // RTP timestamp of the frame being received
	curKey  bool   // whether that frame carries keyframe data so far
	haveCur bool
	firstTS uint32
	sr      *senderReport // the publisher's first sender report, nil before it
	start   float64       // media time of the first frame
	pending *Frame        // last written frame, still growing (H.264 writes per NAL)
	count   int           // frames appended to the index
	keys    int
	keyAt   []float64 // video keyframes' media times, for the manifest
	lastTS  uint32    // RTP timestamp of the last appended frame
	end     float64   // media time where it ends
}

func newTrackWriter(r *Recorder, kind string, c codec, clock uint32, ch uint16) (*trackWriter, error) {
	name := c.fileName()
	f, err := createFile(filepath.Join(r.dir, name))
	if err != nil {
		return nil, fmt.Errorf("recording: create %s: %w", name, err)
	}
	idx, err := createIndex(filepath.Join(r.dir, indexName(kind)))
	if err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return &trackWriter{
		rec: r, kind: kind, codec: c, mime: c.mimeType(), clock: clock, channels: ch,
		log: r.log.With("kind", kind, "codec", c.mimeType()), file: f, cw: &countingWriter{f: f}, idx: idx,
		order: newReorder(),
	}, nil
}

func indexName(kind string) string {
	if kind == KindVideo {
		return videoIndexFile
	}
	return audioIndexFile
}

// Frames implements TrackWriter.
func (t *trackWriter) Frames() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.count
	if t.pending != nil {
		n++
	}
	return n
}

// WriteRTP implements TrackWriter. The packet is cloned: the caller may
// reuse it.
func (t *trackWriter) WriteRTP(p *rtp.Packet) error {
	if p == nil {
		return nil
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return ErrClosed
	}
	lost := t.order.lost
	request, err := t.writeInOrder(t.order.push(p.Clone(), t.ready[:0]))
	if t.order.lost > lost && t.w != nil && t.kind == KindVideo {
		// A packet is gone for good: the picture is damaged until the next
		// keyframe, so ask for one.
		request = t.keyframeDue() || request
	}
	t.mu.Unlock()
	if request {
		t.requestKeyframe()
	}
	return err
}

// writeInOrder writes packets that are in sequence order.
func (t *trackWriter) writeInOrder(pkts []*rtp.Packet) (requestKeyframe bool, err error) {
	var errs []error
	for _, q := range pkts {
		r, err := t.writeLocked(q)
		requestKeyframe = requestKeyframe || r
		errs = append(errs, err)
	}
	clear(pkts)
	t.ready = pkts
	return requestKeyframe, errors.Join(errs...)
}

func (t *trackWriter) writeLocked(p *rtp.Packet) (requestKeyframe bool, err error) {
	if len(p.Payload) == 0 {
		return false, nil // padding
	}
	if t.w == nil {
		if !t.startsKeyframe(p.Payload) {
			t.dropped++
			return t.keyframeDue(), nil
		}
		if err := t.openWriter(p); err != nil {
			return false, err
		}
		t.log.Info("recording track", "dropped_before_keyframe", t.dropped)
		if t.codec == codecH264 {
			q := *p
			q.Payload = h264Opening(p.Payload)
			p = &q
		}
	}
	return false, t.write(p)
}

// keyframeDue says whether to ask for a keyframe again now.
func (t *trackWriter) keyframeDue() bool {
	if t.requestKeyframe == nil {
		return false
	}
	now := t.rec.now()
	if now.Sub(t.lastRequest) < keyframeRetry {
		return false
	}
	t.lastRequest = now
	return true
}

// startsKeyframe says whether a packet may open the track: the first packet
// of a keyframe, which pion's writer also takes for one (so the writer
// never drops the packet that opened the gate; for VP9 rtpkey asks for the
// base spatial layer as well, where pion looks only at P), except that an
// H.264 STAP-A may start with delimiters or SEI, which are cut before
// pion's writer sees it.
func (t *trackWriter) startsKeyframe(payload []byte) bool {
	switch t.codec {
	case codecVP8:
		return rtpkey.VP8Start(payload)
	case codecVP9:
		return rtpkey.VP9Start(payload)
	case codecH264:
		_, ok := rtpkey.H264SPSUnit(payload)
		return ok
	default:
		return true
	}
}

// carriesKeyframe says whether a packet holds keyframe data.
func (t *trackWriter) carriesKeyframe(payload []byte) bool {
	if t.codec == codecH264 {
		return rtpkey.H264Carries(payload)
	}
	return t.startsKeyframe(payload)
}

func (t *trackWriter) openWriter(first *rtp.Packet) error {
	var w mediaWriter
	var err error
	switch t.codec {
	case codecVP8, codecVP9:
		t.width, t.height = videoSize(t.codec, first.Payload)
		w, err = ivfwriter.NewWith(t.cw, ivfwriter.WithCodec(t.mime),
			ivfwriter.WithWidthAndHeight(t.width, t.height),
			ivfwriter.WithFrameRate(1, t.clock), ivfwriter.WithDirectPTS())
	case codecH264:
		w = h264writer.NewWith(t.cw)
	case codecOpus:
		t.ssrc = first.SSRC
		w, err = newOggTrackWriter(t.cw, t.file, t.clock, t.channels, t.ssrc)
	}
	if err != nil {
		return fmt.Errorf("recording: open %s writer: %w", t.mime, err)
	}
	t.w = w
	return nil
}

// write hands one packet to pion's writer and indexes what it wrote.
func (t *trackWriter) write(p *rtp.Packet) error {
	if !t.haveCur || p.Timestamp != t.curTS {
		t.curTS, t.curKey, t.haveCur = p.Timestamp, false, true
	}
	t.curKey = t.curKey || t.carriesKeyframe(p.Payload)
	if t.codec == codecOpus && p.SSRC != t.ssrc {
		q := *p // oggwriter's track is bound to one SSRC; a publisher restart may change it.
		q.SSRC = t.ssrc
		p = &q
	}
	before := t.cw.n
	if err := t.w.WriteRTP(p); err != nil {
		return fmt.Errorf("recording: write %s: %w", t.mime, err)
	}
	if t.cw.n == before {
		return nil
	}
	if t.codec == codecOpus {
		// Each Opus packet is one Ogg page, written in one Write; the first
		// packet's Write calls are preceded by the OpusHead/OpusTags pages.
		before = t.cw.lastAt
	}
	return t.noteWritten(p.Timestamp, before)
}

// noteWritten records that the writer wrote bytes [offset, cw.n) for the
// frame with RTP timestamp ts: they extend the pending frame if it has the
// same timestamp (an H.264 access unit arrives NAL by NAL), otherwise they
// start a new one.
func (t *trackWriter) noteWritten(ts uint32, offset int64) error {
	if t.pending != nil && t.pending.RTPTimestamp == ts && t.codec != codecOpus {
		t.pending.Size = t.cw.n - t.pending.Offset
		t.pending.Keyframe = t.pending.Keyframe || t.curKey
		return nil
	}
	if err := t.flushPending(); err != nil {
		return err
	}
	if t.count == 0 {
		t.firstTS = ts
		t.start = t.rec.trackStarted(t.kind, t.rec.now(), t.width, t.height)
	}
	t.pending = &Frame{
		Number: t.count, RTPTimestamp: ts, Offset: offset, Size: t.cw.n - offset,
		MediaTime: t.start + float64(ts-t.firstTS)/float64(t.clock),
		Keyframe:  t.curKey || t.codec == codecOpus,
	}
	return nil
}

func (t *trackWriter) flushPending() error {
	if t.pending == nil {
		return nil
	}
	fr := *t.pending
	t.pending = nil
	// A frame is taken to last as long as the gap before it.
	var gap uint32
	if t.count > 0 {
		gap = fr.RTPTimestamp - t.lastTS
	}
	t.end = frameEnd(t.start, t.firstTS, fr.RTPTimestamp, gap, t.clock)
	t.lastTS = fr.RTPTimestamp
	t.count++
	if fr.Keyframe {
		t.keys++
		if t.kind == KindVideo {
			t.keyAt = append(t.keyAt, fr.MediaTime)
		}
	}
	return t.idx.append(fr)
}

// WriteSenderReport implements TrackWriter.
func (t *trackWriter) WriteSenderReport(ntp uint64, rtpTime uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sr == nil && !t.closed {
		t.sr = &senderReport{ntp: ntp, rtp: rtpTime}
	}
}

// close ends the track and returns its manifest entry, or nil (and removes
// its files) when no frame was ever written.
func (t *trackWriter) close() (*TrackInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, nil
	}
	t.closed = true
	_, err := t.writeInOrder(t.order.flush(nil))
	errs := []error{err, t.flushPending(), t.idx.close()}
	if t.w != nil {
		errs = append(errs, t.w.Close()) // closes the file through the countingWriter
	} else {
		errs = append(errs, t.file.Close())
	}
	if t.count == 0 {
		t.log.Warn("track recorded nothing: no keyframe arrived", "dropped", t.dropped)
		errs = append(errs, removeIfExists(t.file.Name()), removeIfExists(t.idx.f.Name()))
		return nil, errors.Join(errs...)
	}
	info := &TrackInfo{
		Codec: t.mime, ClockRate: t.clock, File: t.codec.fileName(), Index: indexName(t.kind),
		Frames: t.count, Keyframes: t.keys, Dropped: t.dropped, Late: t.order.late, Lost: t.order.lost, Width: t.width, Height: t.height,
		Start: t.start, End: t.end, KeyTimes: t.keyAt,
	}
	if t.kind == KindAudio {
		info.Channels = t.channels
	}
	return info, errors.Join(errs...)
}

// frameEnd is the media time where a track's frame with RTP timestamp ts
// ends, taken to last gap ticks, for a track whose first frame (timestamp
// firstTS) is at media time start.
func frameEnd(start float64, firstTS, ts, gap, clock uint32) float64 {
	return start + float64(int64(ts-firstTS)+int64(gap))/float64(clock)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("recording: remove empty %s: %w", filepath.Base(path), err)
	}
	return nil
}

// countingWriter passes writes to the file and counts them, so the index
// knows where each frame landed. It also seeks and closes the file, which
// ivfwriter needs to rewrite the frame count in the header on Close.
type countingWriter struct {
	f      *os.File
	n      int64 // bytes written through Write (the file size while appending)
	lastAt int64 // offset where the last Write began
}

// Write implements io.Writer.
func (c *countingWriter) Write(p []byte) (int, error) {
	c.lastAt = c.n
	n, err := c.f.Write(p)
	c.n += int64(n)
	return n, err
}

// Seek implements io.Seeker for ivfwriter's Close.
func (c *countingWriter) Seek(offset int64, whence int) (int64, error) {
	return c.f.Seek(offset, whence)
}

// Close implements io.Closer.
func (c *countingWriter) Close() error { return c.f.Close() }

var _ io.WriteSeeker = (*countingWriter)(nil)

// oggTrackWriter adapts oggwriter's Writer with one Opus track to
// mediaWriter. Unlike oggwriter.NewWith, the Writer with a seekable output
// marks the last page end-of-stream on Close.
type oggTrackWriter struct {
	w *oggwriter.Writer
	t *oggwriter.Track
}

func newOggTrackWriter(out io.Writer, file *os.File, rate uint32, ch uint16, ssrc uint32) (*oggTrackWriter, error) {
	w, err := oggwriter.NewWriter(out, oggwriter.WithSeekableOutput(file),
		oggwriter.WithSampleRate(rate), oggwriter.WithChannelCount(ch))
	if err != nil {
		return nil, err
	}
	t, err := w.NewTrack(ssrc)
	if err != nil {
		return nil, errors.Join(err, w.Close())
	}
	return &oggTrackWriter{w: w, t: t}, nil
}

// WriteRTP implements mediaWriter.
func (o *oggTrackWriter) WriteRTP(p *rtp.Packet) error { return o.t.WriteRTP(p) }

// Close implements mediaWriter: it marks the last page end-of-stream and
// closes the file.
func (o *oggTrackWriter) Close() error { return o.w.Close() }
