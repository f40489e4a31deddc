package recording

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Recorder records one live session into a directory: one video and one
// audio track at most, the event log and the side-channel samples. All
// methods are safe for concurrent use; each TrackWriter is meant to be fed
// by one goroutine (the SFU's read loop for that track).
type Recorder struct {
	// RequestKeyframe, when set before AddTrack, is called (outside any lock)
	// when a video track is added, and again at most once a second while the
	// track still waits for its first keyframe, so the file starts decodable.
	// The caller sends a PLI to the publisher from it.
	RequestKeyframe func()

	dir     string
	log     *slog.Logger
	now     func() time.Time
	created time.Time

	mu      sync.Mutex
	epoch   time.Time
	video   *trackWriter
	audio   *trackWriter
	events  *jsonlWriter
	samples *jsonlWriter
	closed  bool

	closeOnce sync.Once
	closeErr  error
}

// NewRecorder returns a recorder writing into dir (created on first use).
// It does no I/O. A nil log discards.
func NewRecorder(dir string, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Recorder{dir: dir, log: log.With("recording", filepath.Base(dir)),
		now: time.Now, created: time.Now()}
}

// Dir is the recording directory.
func (r *Recorder) Dir() string { return r.dir }

// AddTrack opens the media and index files for a published track and returns
// the writer its RTP goes to. kind is "video" or "audio"; mimeType one of
// video/VP8, video/VP9, video/H264 or audio/opus; channels matters for Opus
// only (0 means 2). A second track of the same kind is ErrTrackExists.
func (r *Recorder) AddTrack(kind, mimeType string, clockRate uint32, channels uint16) (TrackWriter, error) {
	c, err := codecOf(kind, mimeType)
	if err != nil {
		return nil, err
	}
	if clockRate == 0 {
		return nil, fmt.Errorf("%w: %s with clock rate 0", ErrUnsupportedCodec, mimeType)
	}
	r.mu.Lock()
	t, err := r.addTrackLocked(kind, c, clockRate, channels)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if t.requestKeyframe != nil {
		t.requestKeyframe()
	}
	return t, nil
}

func (r *Recorder) addTrackLocked(kind string, c codec, clock uint32, ch uint16) (*trackWriter, error) {
	if r.closed {
		return nil, ErrClosed
	}
	slot := &r.audio
	if kind == KindVideo {
		slot = &r.video
	}
	if *slot != nil {
		return nil, fmt.Errorf("%w: %s", ErrTrackExists, kind)
	}
	if err := os.MkdirAll(r.dir, 0o750); err != nil {
		return nil, fmt.Errorf("recording: create directory: %w", err)
	}
	t, err := newTrackWriter(r, kind, c, clock, ch)
	if err != nil {
		return nil, err
	}
	if kind == KindVideo {
		t.requestKeyframe = r.RequestKeyframe
		t.lastRequest = r.now()
	}
	*slot = t
	return t, nil
}

// mediaStart returns the media time, in seconds, of a track whose first frame
// was written at wall time at; the first call fixes the epoch.
func (r *Recorder) mediaStart(at time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.epoch.IsZero() {
		r.epoch = at
	}
	return at.Sub(r.epoch).Seconds()
}

// WriteEvent appends one event-log entry (one JSON value) to events.jsonl,
// stamped with the current wall time.
func (r *Recorder) WriteEvent(data json.RawMessage) error {
	return r.writeLine(&r.events, EventsFile, data)
}

// WriteSample appends one side-channel sample (one JSON value) to
// samples.jsonl, stamped with the current wall time.
func (r *Recorder) WriteSample(data json.RawMessage) error {
	return r.writeLine(&r.samples, SamplesFile, data)
}

func (r *Recorder) writeLine(w **jsonlWriter, name string, data json.RawMessage) error {
	if !json.Valid(data) {
		return ErrBadJSON
	}
	line, err := json.Marshal(entryLine{At: r.now().UTC(), Data: data})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadJSON, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if *w == nil {
		if *w, err = openJSONL(r.dir, name); err != nil {
			return err
		}
	}
	return (*w).write(line)
}

// Close finalizes the recording: it ends every track (the IVF header gets
// its frame count, the Ogg stream its end-of-stream page), flushes the
// indexes and logs, and writes manifest.json. It is idempotent; later calls
// return the first call's error. Writes after Close fail with ErrClosed.
func (r *Recorder) Close() error {
	r.closeOnce.Do(func() { r.closeErr = r.close() })
	return r.closeErr
}

func (r *Recorder) close() error {
	r.mu.Lock()
	r.closed = true
	video, audio, events, samples := r.video, r.audio, r.events, r.samples
	r.mu.Unlock()

	m := Manifest{ID: ID(filepath.Base(r.dir)), Created: r.created.UTC(), Closed: r.now().UTC()}
	var errs []error
	for _, t := range []*trackWriter{video, audio} {
		if t == nil {
			continue
		}
		info, err := t.close()
		errs = append(errs, err)
		if info != nil && t.kind == KindVideo {
			m.Video = info
		} else if info != nil {
			m.Audio = info
		}
		if info != nil && info.End > m.Duration {
			m.Duration = info.End
		}
	}
	for _, w := range []*jsonlWriter{events, samples} {
		if w != nil {
			errs = append(errs, w.close())
		}
	}
	r.mu.Lock()
	m.Epoch = r.epoch.UTC()
	r.mu.Unlock()
	if m.Epoch.IsZero() {
		m.Epoch = m.Created
	}
	errs = append(errs, writeManifest(r.dir, m))
	return errors.Join(errs...)
}

func writeManifest(dir string, m Manifest) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("recording: create directory: %w", err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("recording: encode manifest: %w", err)
	}
	tmp := filepath.Join(dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o640); err != nil {
		return fmt.Errorf("recording: write manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, ManifestFile)); err != nil {
		return fmt.Errorf("recording: write manifest: %w", err)
	}
	return nil
}

// entryLine is one line of events.jsonl or samples.jsonl.
type entryLine struct {
	// At is the wall time of the write, UTC.
	At time.Time `json:"at"`
	// Data is the caller's JSON value, compacted.
	Data json.RawMessage `json:"data"`
}

// jsonlWriter appends lines to a JSON-lines file.
type jsonlWriter struct {
	f   *os.File
	buf *bufio.Writer
}

func openJSONL(dir, name string) (*jsonlWriter, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("recording: create directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640) //nolint:gosec // fixed name in the recorder's directory.
	if err != nil {
		return nil, fmt.Errorf("recording: open %s: %w", name, err)
	}
	return &jsonlWriter{f: f, buf: bufio.NewWriter(f)}, nil
}

func (w *jsonlWriter) write(line []byte) error {
	if _, err := w.buf.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("recording: append line: %w", err)
	}
	return nil
}

func (w *jsonlWriter) close() error {
	err := w.buf.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("recording: close log: %w", err)
	}
	return nil
}
