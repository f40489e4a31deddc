package whipclient

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/h264reader"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// source yields a file's media samples (frames or Opus packets) with their
// durations, and starts over with rewind.
type source interface {
	next() (media.Sample, error) // io.EOF at the end
	rewind() error
	close() error
}

// openSource opens a file by its extension and returns it with its codec.
func openSource(path string, h264Rate float64) (source, webrtc.RTPCodecCapability, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ivf":
		s := &ivfSource{path: path}
		if err := s.rewind(); err != nil {
			return nil, webrtc.RTPCodecCapability{}, err
		}
		return s, s.codec, nil
	case ".h264", ".264":
		s := &h264Source{path: path, frame: time.Duration(float64(time.Second) / h264Rate)}
		return s, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, s.rewind()
	case ".ogg", ".opus":
		s := &oggSource{path: path}
		return s, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}, s.rewind()
	}
	return nil, webrtc.RTPCodecCapability{}, fmt.Errorf("%w: %s (want .ivf, .h264 or .ogg)", ErrUnsupportedFile, path)
}

// ivfSource reads VP8 or VP9 frames from an IVF file; each lasts until
// the next frame's timestamp (the last one a frame period).
type ivfSource struct {
	path     string
	f        *os.File
	r        *ivfreader.IVFReader
	codec    webrtc.RTPCodecCapability
	num, den uint64 // timebase num/den seconds
	ahead    []byte // the next frame, read ahead for its timestamp
	aheadPTS uint64
}

func (s *ivfSource) rewind() error {
	_ = s.close()
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	r, h, err := ivfreader.NewWith(f)
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("%w: %s: %w", ErrUnsupportedFile, s.path, err)
	}
	switch h.FourCC {
	case "VP80":
		s.codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	case "VP90":
		s.codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0"}
	default:
		_ = f.Close()
		return fmt.Errorf("%w: %s holds %q, not VP8 or VP9", ErrUnsupportedFile, s.path, h.FourCC)
	}
	s.f, s.r, s.num, s.den, s.ahead = f, r, uint64(h.TimebaseNumerator), uint64(h.TimebaseDenominator), nil
	return s.readAhead()
}

// readAhead reads the next frame into s.ahead (nil at the end).
func (s *ivfSource) readAhead() error {
	frame, h, err := s.r.ParseNextFrame()
	if errors.Is(err, io.EOF) {
		s.ahead = nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	// ivfreader scales the frame's pts by den/num; undo it.
	s.ahead, s.aheadPTS = frame, h.Timestamp*s.num/s.den
	return nil
}

func (s *ivfSource) next() (media.Sample, error) {
	if s.ahead == nil {
		return media.Sample{}, io.EOF
	}
	frame, pts := s.ahead, s.aheadPTS
	if err := s.readAhead(); err != nil {
		return media.Sample{}, err
	}
	ticks := uint64(1)
	if s.ahead != nil && s.aheadPTS > pts {
		ticks = s.aheadPTS - pts
	}
	d := time.Duration(ticks * s.num * uint64(time.Second) / s.den)
	return media.Sample{Data: frame, Duration: d}, nil
}

func (s *ivfSource) close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// h264Source reads an H.264 Annex-B stream and yields access units (a
// picture with the parameter sets before it) at a fixed frame rate, since
// Annex-B carries no timestamps.
type h264Source struct {
	path    string
	frame   time.Duration
	f       *os.File
	r       *h264reader.H264Reader
	pending *h264reader.NAL // the first NAL of the next access unit
}

func (s *h264Source) rewind() error {
	_ = s.close()
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	r, err := h264reader.NewReader(f)
	if err != nil {
		_ = f.Close()
		return err
	}
	s.f, s.r, s.pending = f, r, nil
	return nil
}

func (s *h264Source) nal() (*h264reader.NAL, error) {
	if n := s.pending; n != nil {
		s.pending = nil
		return n, nil
	}
	return s.r.NextNAL()
}

// next returns the next access unit, in Annex-B form. A unit ends before a
// non-VCL NAL or the first slice of another picture (first_mb_in_slice 0)
// that follows a slice.
func (s *h264Source) next() (media.Sample, error) {
	var au []byte
	hasSlice := false
	for {
		n, err := s.nal()
		if errors.Is(err, io.EOF) || (err == nil && n == nil) {
			if len(au) == 0 {
				return media.Sample{}, io.EOF
			}
			return media.Sample{Data: au, Duration: s.frame}, nil
		}
		if err != nil {
			return media.Sample{}, fmt.Errorf("%s: %w", s.path, err)
		}
		slice := n.UnitType == h264reader.NalUnitTypeCodedSliceNonIdr || n.UnitType == h264reader.NalUnitTypeCodedSliceIdr
		firstSlice := slice && len(n.Data) > 1 && n.Data[1]&0x80 != 0
		if hasSlice && (!slice || firstSlice) {
			s.pending = n
			return media.Sample{Data: au, Duration: s.frame}, nil
		}
		au = append(append(au, 0, 0, 0, 1), n.Data...)
		hasSlice = hasSlice || slice
	}
}

func (s *h264Source) close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// oggSource reads Opus packets from an Ogg file with one packet per page
// (what ffmpeg writes with -page_duration 20000); each lasts what its TOC
// byte says (RFC 6716 §3.1).
type oggSource struct {
	path    string
	f       *os.File
	r       *oggreader.OggReader
	granule uint64
}

func (s *oggSource) rewind() error {
	_ = s.close()
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	r, _, err := oggreader.NewWith(f)
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("%w: %s: %w", ErrUnsupportedFile, s.path, err)
	}
	s.f, s.r, s.granule = f, r, 0
	return nil
}

func (s *oggSource) next() (media.Sample, error) {
	for {
		page, h, err := s.r.ParseNextPage()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return media.Sample{}, io.EOF
			}
			return media.Sample{}, fmt.Errorf("%s: %w", s.path, err)
		}
		if len(page) == 0 || strings.HasPrefix(string(page), "OpusTags") {
			continue
		}
		samples, err := opusSamples(page)
		if err != nil {
			return media.Sample{}, fmt.Errorf("%s: %w", s.path, err)
		}
		if g := h.GranulePosition; g != ^uint64(0) {
			if g > s.granule+uint64(samples) {
				return media.Sample{}, fmt.Errorf("%w: %s: a page of %d samples holds a packet of %d",
					ErrOggPages, s.path, g-s.granule, samples)
			}
			s.granule = g
		}
		return media.Sample{Data: page, Duration: time.Duration(samples) * time.Second / 48000}, nil
	}
}

func (s *oggSource) close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// opusSamples returns an Opus packet's duration in 48 kHz samples, from its
// TOC byte and frame count (RFC 6716 §3.1, §3.2.5).
func opusSamples(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, errors.New("empty Opus packet")
	}
	cfg := p[0] >> 3
	var frame int
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		frame = [...]int{480, 960, 1920, 2880}[cfg&3]
	case cfg < 16: // hybrid: 10, 20 ms
		frame = [...]int{480, 960}[cfg&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [...]int{120, 240, 480, 960}[cfg&3]
	}
	switch p[0] & 3 {
	case 0:
		return frame, nil
	case 1, 2:
		return 2 * frame, nil
	}
	if len(p) < 2 || p[1]&0x3f == 0 {
		return 0, errors.New("Opus packet with a bad frame count")
	}
	return int(p[1]&0x3f) * frame, nil
}
