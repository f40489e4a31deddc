package recording

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
)

// File names inside a recording directory.
const (
	ManifestFile = "manifest.json"
	EventsFile   = "events.jsonl"
	SamplesFile  = "samples.jsonl"
	partialFile  = "manifest.partial.json"
	// UnrecoverableFile marks a directory that recovery could not make a
	// recording of (MarkUnrecoverable), with why and when.
	UnrecoverableFile = "unrecoverable.json"
	videoIVFFile      = "video.ivf"
	videoH264File     = "video.h264"
	audioOggFile      = "audio.ogg"
	videoIndexFile    = "video.index.jsonl"
	audioIndexFile    = "audio.index.jsonl"
)

// Track kinds as AddTrack takes them (webrtc.RTPCodecType's String values).
const (
	KindVideo = "video"
	KindAudio = "audio"
)

// Frame is one index entry: a video frame (an H.264 access unit) or an audio
// packet (one Ogg page) as written to the media file.
type Frame struct {
	// Number counts the track's written frames from 0.
	Number int `json:"n"`
	// RTPTimestamp is the frame's timestamp as the publisher sent it.
	RTPTimestamp uint32 `json:"ts"`
	// MediaTime is seconds from the recording's first frame.
	MediaTime float64 `json:"t"`
	// Offset is where the frame starts in the media file: the IVF frame
	// header, the first Annex-B start code, or the Ogg page header.
	Offset int64 `json:"off"`
	// Size is the frame's length in the file from Offset, headers included.
	Size int64 `json:"size"`
	// Keyframe says the frame decodes on its own (VP8/VP9 intra frame, H.264
	// access unit with an IDR or SPS); every audio packet is one.
	Keyframe bool `json:"key,omitempty"`
}

// TrackInfo describes one recorded track in the manifest.
type TrackInfo struct {
	// Codec is the MIME type, for example "video/VP8".
	Codec string `json:"codec"`
	// ClockRate is the RTP clock rate in Hz.
	ClockRate uint32 `json:"clockRate"`
	// Channels is the audio channel count (0 for video).
	Channels uint16 `json:"channels,omitempty"`
	// File is the media file's name in the directory.
	File string `json:"file"`
	// Index is the index file's name in the directory.
	Index string `json:"index"`
	// Frames counts the index entries.
	Frames int `json:"frames"`
	// Keyframes counts the index entries that are keyframes.
	Keyframes int `json:"keyframes"`
	// KeyTimes are a video track's keyframes' media times (where a seek
	// lands), so a listing need not read the index; none for audio, whose
	// every packet is a keyframe. Manifests written before it was added
	// lack it: read the index (Open) for those.
	KeyTimes []float64 `json:"keyTimes,omitempty"`
	// Dropped counts RTP packets dropped while waiting for the first keyframe.
	Dropped int `json:"dropped,omitempty"`
	// Late counts RTP packets discarded because they arrived after the
	// recorder had given them up (more than 64 packets late) or twice.
	Late int `json:"late,omitempty"`
	// Lost counts sequence numbers that never arrived in time.
	Lost int `json:"lost,omitempty"`
	// Width is the video width from the first keyframe (VP8 and VP9 carry it
	// there; pion's default 640 otherwise).
	Width uint16 `json:"width,omitempty"`
	// Height is the video height, likewise.
	Height uint16 `json:"height,omitempty"`
	// Start is the media time of the first frame.
	Start float64 `json:"start"`
	// End is the media time where the last frame ends (it is taken to last
	// as long as the gap before it).
	End float64 `json:"end"`
	// Shift is what Open adds to the index's media times: the track was
	// moved at Close to line up with the other by the publisher's sender
	// reports (align.go). Start, End and KeyTimes include it.
	Shift float64 `json:"shift,omitempty"`
}

// Manifest is manifest.json: what a closed recording holds. While the
// recording is unfinished, manifest.partial.json holds what is known of it
// so far in the same form: the tracks' codecs, clock rates and channels,
// the creation time and the epoch, with no frame counts.
type Manifest struct {
	// ID is the recording id (the directory name).
	ID ID `json:"id"`
	// Created is when the Recorder was made.
	Created time.Time `json:"created"`
	// Closed is when the Recorder was closed; for a recovered recording,
	// the wall time where its last recovered frame ends.
	Closed time.Time `json:"closed"`
	// Recovered says that Recover wrote the manifest: the Recorder never
	// closed (the process died), so the frames after the last complete one
	// are gone and Dropped, Late and Lost are not known.
	Recovered bool `json:"recovered,omitempty"`
	// Epoch is the wall time at media time 0 (zero if nothing was written).
	Epoch time.Time `json:"epoch"`
	// Duration is the largest track End, in seconds.
	Duration float64 `json:"duration"`
	// Video is the recorded video track, nil when absent.
	Video *TrackInfo `json:"video,omitempty"`
	// Audio is the recorded audio track, nil when absent.
	Audio *TrackInfo `json:"audio,omitempty"`
}

// track returns the manifest's track of that kind (nil when absent).
func (m *Manifest) track(kind string) *TrackInfo {
	if kind == KindVideo {
		return m.Video
	}
	return m.Audio
}

type codec int

const (
	codecVP8 codec = iota + 1
	codecVP9
	codecH264
	codecOpus
)

func codecOf(kind, mimeType string) (codec, error) {
	m := strings.ToLower(mimeType)
	switch {
	case kind == KindVideo && m == strings.ToLower(webrtc.MimeTypeVP8):
		return codecVP8, nil
	case kind == KindVideo && m == strings.ToLower(webrtc.MimeTypeVP9):
		return codecVP9, nil
	case kind == KindVideo && m == strings.ToLower(webrtc.MimeTypeH264):
		return codecH264, nil
	case kind == KindAudio && m == strings.ToLower(webrtc.MimeTypeOpus):
		return codecOpus, nil
	}
	return 0, fmt.Errorf("%w: %s %q", ErrUnsupportedCodec, kind, mimeType)
}

// mimeType spells the codec as pion's MimeType constants do (and as
// ivfwriter.WithCodec requires).
func (c codec) mimeType() string {
	switch c {
	case codecVP8:
		return webrtc.MimeTypeVP8
	case codecVP9:
		return webrtc.MimeTypeVP9
	case codecH264:
		return webrtc.MimeTypeH264
	default:
		return webrtc.MimeTypeOpus
	}
}

func (c codec) fileName() string {
	switch c {
	case codecVP8, codecVP9:
		return videoIVFFile
	case codecH264:
		return videoH264File
	default:
		return audioOggFile
	}
}

// indexWriter appends Frame lines to an index file, one write each and no
// buffering in the process: a line is in the file (the kernel's page cache)
// as soon as its frame is, so a crash of the process loses no indexed frame.
type indexWriter struct {
	f   *os.File
	buf bytes.Buffer
	enc *json.Encoder
}

func createIndex(path string) (*indexWriter, error) {
	f, err := createFile(path)
	if err != nil {
		return nil, fmt.Errorf("recording: create index: %w", err)
	}
	w := &indexWriter{f: f}
	w.enc = json.NewEncoder(&w.buf)
	return w, nil
}

func (w *indexWriter) append(fr Frame) error {
	w.buf.Reset()
	if err := w.enc.Encode(fr); err != nil {
		return fmt.Errorf("recording: encode index entry: %w", err)
	}
	if _, err := w.f.Write(w.buf.Bytes()); err != nil {
		return fmt.Errorf("recording: write index: %w", err)
	}
	return nil
}

func (w *indexWriter) close() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("recording: close index: %w", err)
	}
	return nil
}

// readIndex reads an index file and checks that frames are numbered 0..n-1,
// lie inside a media file of mediaSize bytes in order, and have
// non-decreasing media times.
func readIndex(r io.Reader, mediaSize int64) ([]Frame, error) {
	var frames []Frame
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		var fr Frame
		if err := json.Unmarshal(sc.Bytes(), &fr); err != nil {
			return nil, fmt.Errorf("%w: index line %d: %w", ErrCorrupt, len(frames)+1, err)
		}
		if err := checkFrame(fr, frames, mediaSize); err != nil {
			return nil, err
		}
		frames = append(frames, fr)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: index: %w", ErrCorrupt, err)
	}
	return frames, nil
}

func checkFrame(fr Frame, prev []Frame, mediaSize int64) error {
	n := len(prev)
	bad := fr.Number != n || fr.Offset < 0 || fr.Size <= 0 || fr.Offset+fr.Size > mediaSize
	if n > 0 {
		p := prev[n-1]
		bad = bad || fr.Offset < p.Offset+p.Size || fr.MediaTime < p.MediaTime
	}
	if bad {
		return fmt.Errorf("%w: index entry %d (%+v) out of order or outside the %d-byte media file",
			ErrCorrupt, n, fr, mediaSize)
	}
	return nil
}

// keyframePositions lists the positions of frames[i].Keyframe, ascending.
func keyframePositions(frames []Frame) []int {
	var keys []int
	for i, f := range frames {
		if f.Keyframe {
			keys = append(keys, i)
		}
	}
	return keys
}

// keyTimes returns the media times of the keyframes among frames.
func keyTimes(frames []Frame) []float64 {
	var out []float64
	for _, f := range frames {
		if f.Keyframe {
			out = append(out, f.MediaTime)
		}
	}
	return out
}

// keyAtOrBefore returns the last keyframe whose media time is <= t, by
// binary search over the keyframe positions.
func keyAtOrBefore(frames []Frame, keys []int, t float64) (Frame, bool) {
	i := sort.Search(len(keys), func(i int) bool { return frames[keys[i]].MediaTime > t })
	if i == 0 {
		return Frame{}, false
	}
	return frames[keys[i-1]], true
}

// firstAtOrAfter returns the position of the first frame with media time >= t
// (len(frames) if none).
func firstAtOrAfter(frames []Frame, t float64) int {
	return sort.Search(len(frames), func(i int) bool { return frames[i].MediaTime >= t })
}

// createFile creates (or truncates) a recording file, readable by the group.
func createFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o640) //nolint:gosec // paths are built from the recorder's directory.
}
