package recording

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Recording is a closed recording opened for reading: its manifest and
// frame indexes, held in memory. It is immutable and safe to share.
type Recording struct {
	dir       string
	manifest  Manifest
	video     []Frame
	audio     []Frame
	videoKeys []int
	audioKeys []int
}

// Entry is one line of the event log or the samples file.
type Entry struct {
	// At is the wall time the recorder stamped.
	At time.Time
	// MediaTime is At relative to the recording's epoch, in seconds; it is
	// negative for entries before the first frame.
	MediaTime float64
	// Data is the JSON value written.
	Data json.RawMessage
}

// Open reads a recording directory written by a Recorder: manifest.json and
// the indexes, checked against the media files' sizes. A missing directory or
// manifest is ErrNotFound; anything that does not parse or agree is
// ErrCorrupt.
func Open(dir string) (*Recording, error) {
	m, err := readManifest(dir, ManifestFile)
	if err != nil {
		return nil, err
	}
	r := &Recording{dir: dir, manifest: m}
	if r.video, err = r.loadTrack(r.manifest.Video, KindVideo); err != nil {
		return nil, err
	}
	if r.audio, err = r.loadTrack(r.manifest.Audio, KindAudio); err != nil {
		return nil, err
	}
	r.videoKeys, r.audioKeys = keyframePositions(r.video), keyframePositions(r.audio)
	return r, nil
}

// ReadManifest reads a finished recording's manifest.json without its
// indexes: what a listing needs. A manifest written before keyframe times
// were kept in it gets them from the video index. ErrNotFound if the
// recording is not finished (or not there), ErrCorrupt if the manifest
// does not parse or its video index disagrees with it.
func ReadManifest(dir string) (Manifest, error) {
	m, err := readManifest(dir, ManifestFile)
	if err != nil || m.Video == nil || m.Video.KeyTimes != nil || m.Video.Keyframes == 0 {
		return m, err
	}
	frames, err := (&Recording{dir: dir, manifest: m}).loadTrack(m.Video, KindVideo)
	if err != nil {
		return Manifest{}, err
	}
	m.Video.KeyTimes = keyTimes(frames)
	return m, nil
}

// readManifest reads manifest.json or the partial manifest: a missing file
// is ErrNotFound, one that does not parse ErrCorrupt.
func readManifest(dir, name string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // the caller chooses the directory.
	if errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("%w: %s: %w", ErrNotFound, dir, err)
	}
	if err != nil {
		return m, fmt.Errorf("recording: read %s: %w", name, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
	}
	return m, nil
}

func (r *Recording) loadTrack(info *TrackInfo, kind string) ([]Frame, error) {
	if info == nil {
		return nil, nil
	}
	if _, err := checkTrackInfo(kind, info); err != nil {
		return nil, err
	}
	st, err := os.Stat(filepath.Join(r.dir, info.File))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotFound, info.File, err)
	}
	f, err := os.Open(filepath.Join(r.dir, info.Index)) //nolint:gosec // fixed name in the recording directory.
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotFound, info.Index, err)
	}
	defer func() { _ = f.Close() }()
	frames, err := readIndex(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", info.Index, err)
	}
	if len(frames) != info.Frames {
		return nil, fmt.Errorf("%w: %s lists %d frames, manifest %d", ErrCorrupt, info.Index, len(frames), info.Frames)
	}
	if info.Shift != 0 {
		for i := range frames {
			frames[i].MediaTime += info.Shift
		}
	}
	if info.KeyTimes != nil && !slices.Equal(info.KeyTimes, keyTimes(frames)) {
		return nil, fmt.Errorf("%w: the manifest's %s keyframe times disagree with %s", ErrCorrupt, kind, info.Index)
	}
	return frames, nil
}

// checkTrackInfo checks a manifest track's codec, file names and clock
// rate, so that nothing outside the recording's own files is opened.
func checkTrackInfo(kind string, info *TrackInfo) (codec, error) {
	c, err := codecOf(kind, info.Codec)
	if err != nil {
		return 0, fmt.Errorf("%w: manifest %s track: %w", ErrCorrupt, kind, err)
	}
	if info.File != c.fileName() || info.Index != indexName(kind) || info.ClockRate == 0 {
		return 0, fmt.Errorf("%w: manifest %s track names %q/%q at %d Hz",
			ErrCorrupt, kind, info.File, info.Index, info.ClockRate)
	}
	return c, nil
}

// Dir is the recording directory.
func (r *Recording) Dir() string { return r.dir }

// Manifest returns the manifest as read.
func (r *Recording) Manifest() Manifest { return r.manifest }

// Frames returns the video index (empty without video). The slice is shared:
// do not modify it.
func (r *Recording) Frames() []Frame { return r.video }

// AudioFrames returns the audio index, one entry per Opus packet. The slice
// is shared: do not modify it.
func (r *Recording) AudioFrames() []Frame { return r.audio }

// Duration is the recording's length in seconds of media time.
func (r *Recording) Duration() float64 { return r.manifest.Duration }

// KeyframeAtOrBefore returns the last video keyframe whose media time is at
// or before t (for an audio-only recording, the last audio packet), found by
// binary search over the keyframe index. ok is false when every keyframe is
// after t or there are none.
func (r *Recording) KeyframeAtOrBefore(t float64) (Frame, bool) {
	if len(r.video) > 0 {
		return keyAtOrBefore(r.video, r.videoKeys, t)
	}
	return keyAtOrBefore(r.audio, r.audioKeys, t)
}

// firstKeyframe is the earliest seekable frame (video, else audio).
func (r *Recording) firstKeyframe() (Frame, bool) {
	if len(r.video) > 0 && len(r.videoKeys) > 0 {
		return r.video[r.videoKeys[0]], true
	}
	if len(r.video) == 0 && len(r.audio) > 0 {
		return r.audio[0], true
	}
	return Frame{}, false
}

// Events reads the event log (none if the session logged nothing).
func (r *Recording) Events() ([]Entry, error) {
	return readEntries(r.dir, r.manifest.Epoch, EventsFile)
}

// Samples reads the side-channel samples (none if there were none).
func (r *Recording) Samples() ([]Entry, error) {
	return readEntries(r.dir, r.manifest.Epoch, SamplesFile)
}

// ReadSamples reads a finished recording's side-channel samples without
// its indexes (Open reads those too).
func ReadSamples(dir string) ([]Entry, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	return readEntries(dir, m.Epoch, SamplesFile)
}

// readEntries reads dir's events or samples file, with media times from
// epoch.
func readEntries(dir string, epoch time.Time, name string) ([]Entry, error) {
	f, err := os.Open(filepath.Join(dir, name)) //nolint:gosec // fixed name in the recording directory.
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("recording: open %s: %w", name, err)
	}
	defer func() { _ = f.Close() }()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var l entryLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%w: %s line %d: %w", ErrCorrupt, name, len(out)+1, err)
		}
		out = append(out, Entry{At: l.At, MediaTime: l.At.Sub(epoch).Seconds(), Data: l.Data})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
	}
	return out, nil
}
