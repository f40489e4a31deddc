package recording

import (
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
	partial Manifest // manifest.partial.json as last written
	video   *trackWriter
	audio   *trackWriter
	events  *jsonlWriter
	samples *jsonlWriter
	lock    *os.File // the directory's lock (lockDir), from the first track to Close
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
	created := time.Now()
	return &Recorder{dir: dir, log: log.With("recording", filepath.Base(dir)),
		now: time.Now, created: created,
		partial: Manifest{ID: ID(filepath.Base(dir)), Created: created.UTC()}}
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
	if r.lock == nil {
		l, err := lockDir(r.dir)
		if err != nil {
			return nil, err
		}
		r.lock = l
	}
	if ch == 0 {
		ch = 2
	}
	info := &TrackInfo{Codec: c.mimeType(), ClockRate: clock, File: c.fileName(), Index: indexName(kind)}
	if kind == KindAudio {
		info.Channels = ch
	}
	// The track is in the partial manifest before its files exist, so
	// Recover knows every track that may have frames.
	if err := r.updatePartialLocked(kind, info); err != nil {
		return nil, err
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

// trackStarted returns the media time, in seconds, of a track whose first
// frame was written at wall time at; the first call fixes the epoch. The
// partial manifest gets the epoch and the track's start and picture size.
func (r *Recorder) trackStarted(kind string, at time.Time, width, height uint16) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.epoch.IsZero() {
		r.epoch = at
	}
	start := at.Sub(r.epoch).Seconds()
	if cur := r.partial.track(kind); cur != nil {
		info := *cur
		info.Start, info.Width, info.Height = start, width, height
		if err := r.updatePartialLocked(kind, &info); err != nil {
			// The frame is recorded; only a crash recovery would miss the epoch.
			r.log.Warn("partial manifest not updated", "kind", kind, "err", err)
		}
	}
	return start
}

// updatePartialLocked writes manifest.partial.json with the track of that
// kind set to info, and the epoch if it is fixed.
func (r *Recorder) updatePartialLocked(kind string, info *TrackInfo) error {
	p := r.partial
	if kind == KindVideo {
		p.Video = info
	} else {
		p.Audio = info
	}
	if !r.epoch.IsZero() {
		p.Epoch = r.epoch.UTC()
	}
	// Not synced: this runs on the forwarder's goroutine at a track's first
	// frame, and the rename alone keeps it whole through a process crash.
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("recording: encode %s: %w", partialFile, err)
	}
	if err := writeFileAtomic(r.dir, partialFile, append(b, '\n'), false); err != nil {
		return err
	}
	r.partial = p
	return nil
}

// WriteEvent appends one event-log entry (one JSON value) to events.jsonl,
// stamped with the current wall time.
func (r *Recorder) WriteEvent(data json.RawMessage) error {
	return r.WriteEventAt(r.now(), data)
}

// WriteEventAt appends an event that happened at wall time at (an event
// log written after the fact keeps each entry's own time, and so its media
// time).
func (r *Recorder) WriteEventAt(at time.Time, data json.RawMessage) error {
	return r.writeLine(&r.events, EventsFile, at, data)
}

// WriteSample appends one side-channel sample (one JSON value) to
// samples.jsonl, stamped with the current wall time.
func (r *Recorder) WriteSample(data json.RawMessage) error {
	return r.writeLine(&r.samples, SamplesFile, r.now(), data)
}

// entry is the events.jsonl or samples.jsonl line of data at wall time at.
func entry(at time.Time, data json.RawMessage) ([]byte, error) {
	if !json.Valid(data) {
		return nil, ErrBadJSON
	}
	line, err := json.Marshal(entryLine{At: at.UTC(), Data: data})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadJSON, err)
	}
	return line, nil
}

func (r *Recorder) writeLine(w **jsonlWriter, name string, at time.Time, data json.RawMessage) error {
	line, err := entry(at, data)
	if err != nil {
		return err
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
	if video != nil && audio != nil {
		r.align(&m, video.firstCapture, audio.firstCapture)
	}
	if m.Epoch.IsZero() {
		m.Epoch = m.Created
	}
	errs = append(errs, finishManifest(r.dir, m))
	if r.lock != nil {
		errs = append(errs, r.lock.Close())
	}
	return errors.Join(errs...)
}

// finishManifest writes manifest.json and then removes the partial
// manifest, which a finished recording no longer needs.
func finishManifest(dir string, m Manifest) error {
	if err := writeJSONFile(dir, ManifestFile, m); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, partialFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("recording: remove partial manifest: %w", err)
	}
	return nil
}

// writeJSONFile replaces dir/name with v as indented JSON, atomically: a
// temporary file, synced, renamed over it.
func writeJSONFile(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("recording: encode %s: %w", name, err)
	}
	return writeFileAtomic(dir, name, append(b, '\n'), true)
}

// writeFileAtomic replaces dir/name with b: a temporary file, renamed over
// it, so a reader (or a crash) sees the old file or the new one. With sync
// the data reaches the disk before the rename; without, a process crash
// still cannot tear it (only a power cut can).
func writeFileAtomic(dir, name string, b []byte, sync bool) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("recording: create directory: %w", err)
	}
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640) //nolint:gosec // fixed name in the recording directory.
	if err != nil {
		return fmt.Errorf("recording: write %s: %w", name, err)
	}
	_, err = f.Write(b)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		return fmt.Errorf("recording: write %s: %w", name, err)
	}
	return nil
}

// entryLine is one line of events.jsonl or samples.jsonl.
type entryLine struct {
	// At is the entry's wall time (of the write, or the event's own), UTC.
	At time.Time `json:"at"`
	// Data is the caller's JSON value, compacted.
	Data json.RawMessage `json:"data"`
}

// jsonlWriter appends lines to a JSON-lines file, one write each and no
// buffering in the process, so a crash of the process loses no line.
type jsonlWriter struct {
	f *os.File
}

func openJSONL(dir, name string) (*jsonlWriter, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("recording: create directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640) //nolint:gosec // fixed name in the recorder's directory.
	if err != nil {
		return nil, fmt.Errorf("recording: open %s: %w", name, err)
	}
	return &jsonlWriter{f: f}, nil
}

func (w *jsonlWriter) write(line []byte) error {
	if _, err := w.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("recording: append line: %w", err)
	}
	return nil
}

func (w *jsonlWriter) close() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("recording: close log: %w", err)
	}
	return nil
}
