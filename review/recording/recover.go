package recording

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// Byte positions in the media files that Recover rewrites.
const (
	ivfFrameCountOffset = 24 // the IVF file header's frame count (uint32, little-endian)
	oggHeaderTypeOffset = 5  // an Ogg page's header type flags
	oggChecksumOffset   = 22 // an Ogg page's CRC-32 (uint32, little-endian)
	oggEndOfStream      = 0x04
)

// Recover finalizes a recording whose Recorder never closed because the
// process died: it writes the manifest from what is on disk, marked
// Recovered, and returns it. The partial manifest says which tracks there
// were; of each track's index it keeps the longest run of complete lines
// whose frames lie whole in the media file and start with the frame's
// header (IVF frame header of the indexed size, Annex-B start code, Ogg
// page with a good checksum). It then cuts the media file after the last
// kept frame (so pion's readers read it to a clean end), sets the IVF
// header's frame count or the last Ogg page's end-of-stream flag as the
// writers' Close would, cuts the index, events.jsonl and samples.jsonl to
// their complete lines, and writes manifest.json last.
//
// A finished recording (manifest.json present) is returned unchanged. A
// directory with no complete frame, or without a partial manifest, is
// ErrNothingToRecover and is left as it was; a missing one is ErrNotFound;
// one a Recorder is writing (its lock held, in this process or another)
// is ErrBusy and is not touched. If Recover fails part way, every file it
// cut is still a valid prefix and running it again finishes.
func Recover(dir string) (Manifest, error) { return RecoverWithEvents(dir, nil) }

// RecoverWithEvents is Recover that writes the recording's event log from
// events (called with the recovered recording's end, before anything is
// changed) instead of keeping the complete lines of the one on disk: the
// server writes a recording's events when it ends, so after a crash the
// log is missing or partial, and the store holds the whole of it. If events
// fails, the directory is left as it was, to be recovered later.
func RecoverWithEvents(dir string, events func(end time.Time) ([]Entry, error)) (Manifest, error) {
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Manifest{}, fmt.Errorf("%w: %s: %w", ErrNotFound, dir, err)
		}
		return Manifest{}, fmt.Errorf("recording: recover: %w", err)
	}
	lock, err := lockDir(dir) // ErrBusy while a Recorder writes it
	if err != nil {
		return Manifest{}, err
	}
	if lock != nil {
		defer func() { _ = lock.Close() }()
	}
	if m, err := readManifest(dir, ManifestFile); !errors.Is(err, ErrNotFound) {
		return m, err // finished already
	}
	p, err := readManifest(dir, partialFile)
	if errors.Is(err, ErrNotFound) {
		return Manifest{}, fmt.Errorf("%w: %s has no %s: no track was added", ErrNothingToRecover, dir, partialFile)
	}
	if err != nil {
		return Manifest{}, err
	}
	tracks, err := scanTracks(dir, p)
	if err != nil {
		return Manifest{}, err
	}
	if len(tracks) == 0 {
		return Manifest{}, fmt.Errorf("%w: %s: no complete frame on disk", ErrNothingToRecover, dir)
	}
	m := recoveredManifest(dir, p, tracks)
	logs := []string{EventsFile, SamplesFile}
	var eventLog []byte
	if events != nil {
		entries, err := events(m.Closed)
		if err != nil {
			return Manifest{}, fmt.Errorf("recording: recover %s: events: %w", dir, err)
		}
		for _, e := range entries {
			line, err := entry(e.At, e.Data)
			if err != nil {
				return Manifest{}, err
			}
			eventLog = append(append(eventLog, line...), '\n')
		}
		logs = []string{SamplesFile}
	}
	cuts, err := scanLogs(dir, logs)
	if err != nil {
		return Manifest{}, err
	}
	for _, tr := range tracks {
		cuts = append(cuts, tr.cuts...)
	}
	for _, c := range cuts {
		if err := c.apply(); err != nil {
			return Manifest{}, err
		}
	}
	if events != nil {
		if err := writeFileAtomic(dir, EventsFile, eventLog, true); err != nil {
			return Manifest{}, err
		}
	}
	if err := finishManifest(dir, m); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// MarkUnrecoverable writes dir's UnrecoverableFile, saying why (the error
// Recover returned) and when, atomically: a crash leaves the whole marker
// or none.
func MarkUnrecoverable(dir string, why error) error {
	return writeJSONFile(dir, UnrecoverableFile, struct {
		Reason string    `json:"reason"`
		At     time.Time `json:"at"`
	}{why.Error(), time.Now().UTC()})
}

// scanTracks returns the tracks of the partial manifest that keep at least
// one frame.
func scanTracks(dir string, p Manifest) ([]*trackRecovery, error) {
	var tracks []*trackRecovery
	for _, kind := range []string{KindVideo, KindAudio} {
		if info := p.track(kind); info != nil {
			tr, err := scanTrack(dir, kind, *info)
			if err != nil {
				return nil, err
			}
			if len(tr.frames) > 0 {
				tracks = append(tracks, tr)
			}
		}
	}
	return tracks, nil
}

// recoveredManifest is the manifest of the kept frames. The counts that
// only the Recorder knew (dropped, late, lost packets) stay zero; Closed is
// where the last kept frame ends.
func recoveredManifest(dir string, p Manifest, tracks []*trackRecovery) Manifest {
	m := Manifest{ID: ID(filepath.Base(dir)), Created: p.Created, Epoch: p.Epoch, Recovered: true}
	if m.Epoch.IsZero() {
		m.Epoch = m.Created
	}
	for _, tr := range tracks {
		info := tr.trackInfo()
		if tr.kind == KindVideo {
			m.Video = info
		} else {
			m.Audio = info
		}
		m.Duration = max(m.Duration, info.End)
	}
	m.Closed = m.Epoch.Add(time.Duration(m.Duration * float64(time.Second)))
	return m
}

// trackRecovery is what Recover keeps of one track: the frames, and the
// cuts that make its files end with them.
type trackRecovery struct {
	kind   string
	info   TrackInfo // from the partial manifest
	frames []Frame
	cuts   []cut
}

// scanTrack reads a track's index against its media file without changing
// either. A missing file, or a media file without a readable header, keeps
// no frame.
func scanTrack(dir, kind string, info TrackInfo) (*trackRecovery, error) {
	c, err := checkTrackInfo(kind, &info)
	if err != nil {
		return nil, err
	}
	tr := &trackRecovery{kind: kind, info: info}
	mediaPath, indexPath := filepath.Join(dir, info.File), filepath.Join(dir, info.Index)
	media, size, err := openIfExists(mediaPath)
	if err != nil {
		return nil, err
	}
	if media == nil {
		return tr, nil
	}
	defer func() { _ = media.Close() }()
	rd := &readErrs{r: media}
	isFrame := frameCheck(c, rd, size)
	if rd.err != nil {
		return nil, fmt.Errorf("recording: recover %s: %w", info.File, rd.err)
	}
	if isFrame == nil {
		return tr, nil
	}
	idx, _, err := openIfExists(indexPath)
	if err != nil {
		return nil, err
	}
	if idx == nil {
		return tr, nil
	}
	defer func() { _ = idx.Close() }()
	indexEnd, err := completePrefix(idx, func(line []byte) bool {
		var fr Frame
		if json.Unmarshal(line, &fr) != nil || checkFrame(fr, tr.frames, size) != nil || !isFrame(fr) {
			return false
		}
		tr.frames = append(tr.frames, fr)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("recording: recover %s: %w", info.Index, err)
	}
	if rd.err != nil { // a frame was taken for torn because its read failed
		return nil, fmt.Errorf("recording: recover %s: %w", info.File, rd.err)
	}
	if n := len(tr.frames); n > 0 {
		last := tr.frames[n-1]
		tr.cuts = []cut{
			{path: mediaPath, keep: last.Offset + last.Size, fix: mediaFix(c, n, last)},
			{path: indexPath, keep: indexEnd},
		}
	}
	return tr, nil
}

// trackInfo is the track's manifest entry for the kept frames.
func (tr *trackRecovery) trackInfo() *TrackInfo {
	info := tr.info
	n := len(tr.frames)
	first, last := tr.frames[0], tr.frames[n-1]
	var gap uint32
	if n > 1 {
		gap = last.RTPTimestamp - tr.frames[n-2].RTPTimestamp
	}
	info.Frames, info.Keyframes, info.KeyTimes = n, len(keyframePositions(tr.frames)), nil
	if tr.kind == KindVideo {
		info.KeyTimes = keyTimes(tr.frames)
	}
	info.Dropped, info.Late, info.Lost = 0, 0, 0
	info.Start = first.MediaTime
	info.End = frameEnd(first.MediaTime, first.RTPTimestamp, last.RTPTimestamp, gap, info.ClockRate)
	return &info
}

// frameCheck returns the test an index entry's bytes must pass (read with
// ReadAt, so the file's position does not matter), or nil when the media
// file does not start with a header its pion reader accepts.
func frameCheck(c codec, media io.ReaderAt, size int64) func(Frame) bool {
	switch c {
	case codecVP8, codecVP9:
		_, hdr, err := ivfreader.NewWith(io.NewSectionReader(media, 0, size))
		if err != nil || hdr.FourCC != ivfFourCC(c) {
			return nil
		}
		return func(fr Frame) bool {
			var h [ivfFrameHeaderSize]byte
			_, err := media.ReadAt(h[:], fr.Offset)
			return err == nil && int64(binary.LittleEndian.Uint32(h[:]))+ivfFrameHeaderSize == fr.Size
		}
	case codecH264:
		return func(fr Frame) bool {
			var h [4]byte
			_, err := media.ReadAt(h[:], fr.Offset)
			return err == nil && (bytes.Equal(h[:], annexBStartCode) || bytes.HasPrefix(h[:], annexBStartCode[1:]))
		}
	default:
		if _, _, err := oggreader.NewWith(io.NewSectionReader(media, 0, size)); err != nil {
			return nil
		}
		var page []byte
		return func(fr Frame) bool {
			if int64(cap(page)) < fr.Size {
				page = make([]byte, fr.Size)
			}
			page = page[:fr.Size]
			if _, err := media.ReadAt(page, fr.Offset); err != nil {
				return false
			}
			in := bytes.NewReader(page)
			r, err := oggreader.NewWithOptions(in)
			if err != nil {
				return false
			}
			payload, _, err := r.ParseNextPage() // checks the page's CRC
			return err == nil && len(payload) > 0 && in.Len() == 0
		}
	}
}

// readErrs is a ReaderAt that keeps its first read error other than an end
// of file: a disk failing, not a file cut short. Recovery stops on it
// rather than take the frames it could not read for torn.
type readErrs struct {
	r   io.ReaderAt
	err error
}

func (e *readErrs) ReadAt(p []byte, off int64) (int, error) {
	n, err := e.r.ReadAt(p, off)
	if err != nil && e.err == nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		e.err = err
	}
	return n, err
}

func ivfFourCC(c codec) string {
	if c == codecVP9 {
		return "VP90"
	}
	return "VP80"
}

// mediaFix returns what a media file cut after its frame last (of n) needs
// to end as its writer's Close would have left it.
func mediaFix(c codec, n int, last Frame) func(*os.File) error {
	switch c {
	case codecVP8, codecVP9:
		return func(f *os.File) error {
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], uint32(n)) //nolint:gosec // a frame count, far below 2^32.
			_, err := f.WriteAt(b[:], ivfFrameCountOffset)
			return err
		}
	case codecOpus:
		return func(f *os.File) error { return markEndOfStream(f, last) }
	default:
		return nil // Annex-B has no header or trailer
	}
}

// markEndOfStream sets the end-of-stream flag of the Ogg page at fr and
// recomputes its checksum (RFC 3533 section 6), as oggwriter's Close does.
func markEndOfStream(f *os.File, fr Frame) error {
	page := make([]byte, fr.Size)
	if _, err := f.ReadAt(page, fr.Offset); err != nil {
		return err
	}
	page[oggHeaderTypeOffset] |= oggEndOfStream
	clear(page[oggChecksumOffset : oggChecksumOffset+4])
	binary.LittleEndian.PutUint32(page[oggChecksumOffset:], oggChecksum(page))
	_, err := f.WriteAt(page, fr.Offset)
	return err
}

// oggCRCTable is the table of Ogg's CRC-32: polynomial 0x04c11db7, not
// reflected, zero initial value and no final XOR (RFC 3533 section 6).
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24 //nolint:gosec // i < 256
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggChecksum(page []byte) uint32 {
	var crc uint32
	for _, b := range page {
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^b]
	}
	return crc
}

// scanLogs plans the cuts of the named logs (events.jsonl, samples.jsonl)
// to their complete lines.
func scanLogs(dir string, names []string) ([]cut, error) {
	var cuts []cut
	for _, name := range names {
		path := filepath.Join(dir, name)
		f, _, err := openIfExists(path)
		if err != nil {
			return nil, err
		}
		if f == nil {
			continue
		}
		keep, err := completePrefix(f, func(line []byte) bool {
			var l entryLine
			return json.Unmarshal(line, &l) == nil
		})
		err = errors.Join(err, f.Close())
		if err != nil {
			return nil, fmt.Errorf("recording: recover %s: %w", name, err)
		}
		cuts = append(cuts, cut{path: path, keep: keep})
	}
	return cuts, nil
}

// completePrefix reads r line by line and returns the length of its longest
// prefix of newline-terminated lines that accept takes, in order.
func completePrefix(r io.Reader, accept func(line []byte) bool) (int64, error) {
	br := bufio.NewReader(r)
	var n int64
	for {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return n, nil // a last line without its newline is torn
		}
		if err != nil {
			return n, err
		}
		if !accept(line) {
			return n, nil
		}
		n += int64(len(line))
	}
}

// openIfExists opens a file for reading and returns its size; a missing
// file is a nil file and no error.
func openIfExists(path string) (*os.File, int64, error) {
	f, err := os.Open(path) //nolint:gosec // fixed name in the recording directory.
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("recording: recover: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, 0, errors.Join(fmt.Errorf("recording: recover: %w", err), f.Close())
	}
	return f, st.Size(), nil
}

// cut is one file Recover shortens to its kept prefix and then fixes up.
type cut struct {
	path string
	keep int64
	fix  func(*os.File) error // nil: nothing beyond the cut
}

// apply cuts the file, fixes it and syncs it, so the manifest written
// after it never lists more than the file holds.
func (c cut) apply() error {
	f, err := os.OpenFile(c.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("recording: recover: %w", err)
	}
	err = f.Truncate(c.keep)
	if err == nil && c.fix != nil {
		err = c.fix(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("recording: recover %s: %w", filepath.Base(c.path), err)
	}
	return nil
}
