package recording

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pion/webrtc/v4/pkg/media/h264reader"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// ivfFrameHeaderSize is the length of an IVF frame header.
const ivfFrameHeaderSize = 12

// frameSource reads a track's frames by index position with pion's readers.
// Reading position i+1 after i continues the stream; any other position
// repositions the reader at the frame's byte offset from the index.
type frameSource interface {
	readFrame(pos int) ([]byte, error)
	close() error
}

func openSource(dir string, info *TrackInfo, kind string, frames []Frame) (frameSource, error) {
	c, err := codecOf(kind, info.Codec)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, info.File)) //nolint:gosec // fixed name in the recording directory.
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotFound, info.File, err)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("recording: stat %s: %w", info.File, err), f.Close())
	}
	var src frameSource
	switch c {
	case codecVP8, codecVP9:
		src, err = newIVFSource(f, st.Size(), frames)
	case codecH264:
		src = &h264Source{f: f, frames: frames}
	default:
		src, err = newOggSource(f, st.Size(), frames)
	}
	if err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return src, nil
}

// ivfSource reads VP8/VP9 frames with ivfreader.
type ivfSource struct {
	f      *os.File
	size   int64
	r      *ivfreader.IVFReader
	frames []Frame
	next   int
}

func newIVFSource(f *os.File, size int64, frames []Frame) (*ivfSource, error) {
	r, hdr, err := ivfreader.NewWith(io.NewSectionReader(f, 0, size))
	if err != nil {
		return nil, fmt.Errorf("%w: IVF header: %w", ErrCorrupt, err)
	}
	if hdr.FourCC != "VP80" && hdr.FourCC != "VP90" {
		return nil, fmt.Errorf("%w: IVF FourCC %q", ErrCorrupt, hdr.FourCC)
	}
	return &ivfSource{f: f, size: size, r: r, frames: frames}, nil
}

func (s *ivfSource) readFrame(pos int) ([]byte, error) {
	fr := s.frames[pos]
	if pos != s.next {
		s.r.ResetReader(func(int64) io.Reader { return io.NewSectionReader(s.f, fr.Offset, s.size-fr.Offset) })
	}
	s.next = -1
	data, _, err := s.r.ParseNextFrame()
	if err != nil {
		return nil, fmt.Errorf("%w: IVF frame %d: %w", ErrCorrupt, pos, err)
	}
	if int64(len(data))+ivfFrameHeaderSize != fr.Size {
		return nil, fmt.Errorf("%w: IVF frame %d is %d bytes, index says %d", ErrCorrupt, pos, len(data), fr.Size)
	}
	s.next = pos + 1
	return data, nil
}

func (s *ivfSource) close() error { return s.f.Close() }

// h264Source reads an access unit's NAL units with h264reader from the
// unit's byte range and returns them as one Annex-B sample.
type h264Source struct {
	f      *os.File
	frames []Frame
}

var annexBStartCode = []byte{0, 0, 0, 1}

func (s *h264Source) readFrame(pos int) ([]byte, error) {
	fr := s.frames[pos]
	in := &dataThenEOF{r: io.NewSectionReader(s.f, fr.Offset, fr.Size)}
	r, err := h264reader.NewReaderWithOptions(in, h264reader.WithIncludeSEI(true))
	if err != nil {
		return nil, fmt.Errorf("recording: h264 reader: %w", err)
	}
	out := make([]byte, 0, fr.Size)
	for {
		nal, err := r.NextNAL()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: H.264 access unit %d: %w", ErrCorrupt, pos, err)
		}
		out = append(append(out, annexBStartCode...), nal.Data...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: H.264 access unit %d is empty", ErrCorrupt, pos)
	}
	return out, nil
}

func (s *h264Source) close() error { return s.f.Close() }

// dataThenEOF holds back an error that a Read returns together with data
// until the next Read: h264reader drops the data of such a Read, and
// io.SectionReader returns its last bytes with io.EOF.
type dataThenEOF struct {
	r   io.Reader
	err error
}

// Read implements io.Reader.
func (d *dataThenEOF) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.r.Read(p)
	if n > 0 && err != nil {
		d.err, err = err, nil
	}
	return n, err
}

// oggSource reads Opus packets (one per page, as oggwriter writes them) with
// oggreader.
type oggSource struct {
	f      *os.File
	size   int64
	r      *oggreader.OggReader
	frames []Frame
	next   int
}

func newOggSource(f *os.File, size int64, frames []Frame) (*oggSource, error) {
	r, _, err := oggreader.NewWith(io.NewSectionReader(f, 0, size))
	if err != nil {
		return nil, fmt.Errorf("%w: Ogg Opus header: %w", ErrCorrupt, err)
	}
	return &oggSource{f: f, size: size, r: r, frames: frames, next: -1}, nil
}

func (s *oggSource) readFrame(pos int) ([]byte, error) {
	fr := s.frames[pos]
	if pos != s.next {
		s.r.ResetReader(func(int64) io.Reader { return io.NewSectionReader(s.f, fr.Offset, s.size-fr.Offset) })
	}
	s.next = -1
	payload, _, err := s.r.ParseNextPage()
	if err != nil {
		return nil, fmt.Errorf("%w: Ogg page %d: %w", ErrCorrupt, pos, err)
	}
	if len(payload) == 0 {
		return nil, fmt.Errorf("%w: Ogg page %d is empty", ErrCorrupt, pos)
	}
	s.next = pos + 1
	return payload, nil
}

func (s *oggSource) close() error { return s.f.Close() }
