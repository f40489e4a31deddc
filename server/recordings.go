package server

// Recordings of review sessions (docs/review.md): every publication to a
// session is recorded under Config.RecordingsDir/<recording id>/ (package
// recording: pion's IVF/H.264/Ogg writers, a frame index, the build's
// context samples, and the session's event log written when the
// recording ends), with a session.json naming its session. A recording
// that a dying process left without its manifest is recovered (its
// complete frames kept) when the server next starts. A recording is
// played to a group over WHEP (POST /api/recordings/{id}/whep): one
// player per recording, shared by every viewer, so the session driver's
// play, pause and seek apply to everyone watching; the player's state is
// announced on the session's channel.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"

	"atelier/review"
	"atelier/review/media"
	"atelier/review/recording"
)

// recordingMeta is a recording's session.json.
type recordingMeta struct {
	ID        recording.ID     `json:"id"`
	Session   review.SessionID `json:"session"`
	StartedAt time.Time        `json:"startedAt"`
}

// recordings records publications and plays recordings back.
type recordings struct {
	dir  string
	svc  *review.Service
	log  *slog.Logger
	cfg  recording.Config
	room func(review.SessionID) *media.Room

	mu      sync.Mutex
	active  map[review.SessionID]*activeRecording
	players map[recording.ID]*playback
	closed  bool
}

// activeRecording is a publication being recorded.
type activeRecording struct {
	meta   recordingMeta
	rec    *recording.Recorder
	tracks int // tracks not yet ended
}

// playback is a recording playing to a group.
type playback struct {
	meta    recordingMeta
	player  *recording.Player
	viewers *recording.Viewers
	cancel  context.CancelFunc
	watched time.Time // when it last had a viewer (guarded by recordings.mu)
}

func (p *playback) close() {
	_ = p.viewers.Close()
	_ = p.player.Close()
	p.cancel()
}

// playbackIdle is how long a playback without viewers stays open.
const playbackIdle = time.Minute

// run closes playbacks nobody has watched for playbackIdle, until ctx ends.
func (rs *recordings) run(ctx context.Context) {
	t := time.NewTicker(playbackIdle / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rs.sweep(playbackIdle)
		}
	}
}

// sweep closes the playbacks without viewers for idle or longer.
func (rs *recordings) sweep(idle time.Duration) {
	now := time.Now()
	var stale []*playback
	rs.mu.Lock()
	for id, p := range rs.players {
		if p.viewers.Len() > 0 {
			p.watched = now
		} else if now.Sub(p.watched) >= idle {
			stale = append(stale, p)
			delete(rs.players, id)
		}
	}
	rs.mu.Unlock()
	for _, p := range stale {
		rs.log.Info("playback closed: nobody watching", "recording", p.meta.ID)
		p.close()
	}
}

func newRecordings(dir string, svc *review.Service, cfg recording.Config, room func(review.SessionID) *media.Room, log *slog.Logger) *recordings {
	return &recordings{dir: dir, svc: svc, cfg: cfg, room: room, log: log,
		active: map[review.SessionID]*activeRecording{}, players: map[recording.ID]*playback{}}
}

// recoverUnfinished removes what deletions a crash cut short left
// (deletedPrefix), and finalizes every recording directory with a
// session.json but no manifest.json: one that a process which died while
// recording left behind (recording.RecoverWithEvents, with the session's
// events of the recording's span from the store). Serve calls it before
// it accepts requests, when nothing is being recorded; later, a recording
// between its last track's end and its manifest would look the same.
//
// A directory with no complete frame, or whose files do not parse, is
// marked unrecoverable (recording.MarkUnrecoverable) and skipped from then on: it
// stays unlisted, for an operator to inspect or delete. A failure that may
// pass (the store cannot be read, another process holds the directory, an
// I/O error) leaves it as it was, to be tried at the next start.
func (rs *recordings) recoverUnfinished() {
	entries, err := os.ReadDir(rs.dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			rs.log.Error("recordings not checked for recovery", "err", err)
		}
		return
	}
	var skipped []recording.ID
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), deletedPrefix) { // a deletion a crash cut short
			if err := os.RemoveAll(filepath.Join(rs.dir, e.Name())); err != nil {
				rs.log.Warn("deleted recording's files not removed", "dir", e.Name(), "err", err)
			}
			continue
		}
		id := recording.ID(e.Name())
		meta, err := rs.meta(id)
		if err != nil {
			continue // not a recording
		}
		dir := rs.path(id)
		if _, err := os.Stat(filepath.Join(dir, recording.ManifestFile)); !errors.Is(err, os.ErrNotExist) {
			continue // finished (or unreadable, which open reports)
		}
		if _, err := os.Stat(filepath.Join(dir, recording.UnrecoverableFile)); err == nil {
			skipped = append(skipped, id)
			continue
		}
		log := rs.log.With("recording", id, "session", meta.Session)
		var events int
		m, err := recording.RecoverWithEvents(dir, func(end time.Time) ([]recording.Entry, error) {
			entries, err := rs.spanEvents(meta, end)
			events = len(entries)
			return entries, err
		})
		if errors.Is(err, recording.ErrNothingToRecover) || errors.Is(err, recording.ErrCorrupt) {
			log.Warn("unfinished recording cannot be recovered; marked and left for an operator", "err", err, "dir", dir)
			if err := recording.MarkUnrecoverable(dir, err); err != nil {
				log.Error("unrecoverable recording not marked; it will be tried again", "err", err)
			}
			continue
		}
		if err != nil {
			log.Warn("unfinished recording not recovered; it will be tried again at the next start", "err", err)
			continue
		}
		var video, audio int
		if m.Video != nil {
			video = m.Video.Frames
		}
		if m.Audio != nil {
			audio = m.Audio.Frames
		}
		log.Info("unfinished recording recovered", "video_frames", video, "audio_frames", audio,
			"duration", m.Duration, "events", events)
	}
	if len(skipped) > 0 {
		rs.log.Info("recordings marked unrecoverable at an earlier start are left alone", "count", len(skipped),
			"marker", recording.UnrecoverableFile, "dir", rs.dir)
	}
}

// spanEvents returns the session's events from a recording's start to its
// end: the event log a recording gets when it ends (finish), or from the
// store when it is recovered after a crash.
func (rs *recordings) spanEvents(meta recordingMeta, end time.Time) ([]recording.Entry, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events, err := rs.svc.Events(ctx, meta.Session)
	if err != nil {
		return nil, err
	}
	var out []recording.Entry
	for _, e := range events {
		if e.At.Before(meta.StartedAt) || e.At.After(end) {
			continue
		}
		b, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		out = append(out, recording.Entry{At: e.At, Data: b})
	}
	return out, nil
}

// track starts recording a published track (and the recording, for the
// publication's first track). It is media.RoomOptions.OnTrack.
func (rs *recordings) track(id media.RoomID, t media.TrackInfo) media.PacketSink {
	sid := review.SessionID(id)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.closed {
		return nil
	}
	a := rs.active[sid]
	if a == nil {
		var err error
		if a, err = rs.startLocked(sid); err != nil {
			rs.log.Error("recording not started", "session", sid, "err", err)
			return nil
		}
	}
	w, err := a.rec.AddTrack(t.Kind, t.MimeType, t.ClockRate, t.Channels)
	if err != nil {
		rs.log.Warn("track not recorded", "session", sid, "track", t.MimeType, "err", err)
		if a.tracks == 0 { // nothing recorded: do not keep the session's slot
			delete(rs.active, sid)
			go rs.finish(a)
		}
		return nil
	}
	a.tracks++
	return &recordSink{w: w, end: func() { rs.trackEnded(sid, a) }}
}

func (rs *recordings) startLocked(sid review.SessionID) (*activeRecording, error) {
	id, err := recording.NewID()
	if err != nil {
		return nil, err
	}
	dir := rs.path(id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	meta := recordingMeta{ID: id, Session: sid, StartedAt: time.Now().UTC().Truncate(time.Microsecond)} // events are stored to the µs
	b, _ := json.Marshal(meta)
	if err := os.WriteFile(filepath.Join(dir, "session.json"), b, 0o644); err != nil {
		return nil, err
	}
	rec := recording.NewRecorder(dir, rs.log.With("recording", id))
	rec.RequestKeyframe = func() {
		if r := rs.room(sid); r != nil {
			r.RequestKeyframe()
		}
	}
	a := &activeRecording{meta: meta, rec: rec}
	rs.active[sid] = a
	rs.log.Info("recording started", "session", sid, "recording", id)
	return a, nil
}

// trackEnded closes the recording once its last track has ended.
func (rs *recordings) trackEnded(sid review.SessionID, a *activeRecording) {
	rs.mu.Lock()
	a.tracks--
	done := a.tracks == 0 && rs.active[sid] == a
	if done {
		delete(rs.active, sid)
	}
	rs.mu.Unlock()
	if done {
		rs.finish(a)
	}
}

// finish writes the session's events of the recording's span and closes it.
func (rs *recordings) finish(a *activeRecording) {
	events, err := rs.spanEvents(a.meta, time.Now())
	if err != nil {
		rs.log.Warn("recording's event log not written", "recording", a.meta.ID, "err", err)
	}
	for _, e := range events {
		if err := a.rec.WriteEventAt(e.At, e.Data); err != nil {
			rs.log.Warn("recording's event log not written", "recording", a.meta.ID, "err", err)
			break
		}
	}
	if err := a.rec.Close(); err != nil {
		rs.log.Error("recording not closed cleanly", "recording", a.meta.ID, "err", err)
		return
	}
	rs.log.Info("recording finished", "session", a.meta.Session, "recording", a.meta.ID)
	rs.svc.Hub().PublishRecorded(a.meta.Session, string(a.meta.ID))
}

// sample records a context sample in the session's active recording.
func (rs *recordings) sample(sid review.SessionID, c media.ContextSample) {
	rs.mu.Lock()
	a := rs.active[sid]
	rs.mu.Unlock()
	if a != nil {
		b, _ := json.Marshal(c)
		_ = a.rec.WriteSample(b)
	}
}

// list returns the finished recordings of a session, oldest first.
func (rs *recordings) list(sid review.SessionID) ([]recordingJSON, error) {
	entries, err := os.ReadDir(rs.dir)
	if errors.Is(err, os.ErrNotExist) {
		return []recordingJSON{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []recordingJSON{}
	for _, e := range entries {
		id := recording.ID(e.Name())
		meta, err := rs.meta(id)
		if err != nil || meta.Session != sid {
			continue // another session's
		}
		m, err := recording.ReadManifest(rs.path(id))
		if err != nil {
			_ = rs.unreadable(id, err) // not finished yet, or damaged
			continue
		}
		out = append(out, toRecordingJSON(meta, m))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	return out, nil
}

// path is recording id's directory.
func (rs *recordings) path(id recording.ID) string { return filepath.Join(rs.dir, string(id)) }

// meta reads a recording's session.json.
func (rs *recordings) meta(id recording.ID) (recordingMeta, error) {
	var meta recordingMeta
	if _, err := recording.ParseID(string(id)); err != nil {
		return meta, fmt.Errorf("%w: recording %q", review.ErrNotFound, id)
	}
	b, err := os.ReadFile(filepath.Join(rs.path(id), "session.json"))
	if err == nil {
		err = json.Unmarshal(b, &meta)
	}
	if err != nil {
		return meta, fmt.Errorf("%w: recording %s", review.ErrNotFound, id)
	}
	return meta, nil
}

// finished reads a finished recording's session.json and manifest, not
// its indexes (recording.ReadManifest): what the API describes a
// recording with and checks access by. A listed recording whose index
// or media were damaged after it finished is found out when it is played
// (open), which then answers 404.
func (rs *recordings) finished(id recording.ID) (recordingMeta, recording.Manifest, error) {
	meta, err := rs.meta(id)
	if err != nil {
		return meta, recording.Manifest{}, err
	}
	m, err := recording.ReadManifest(rs.path(id))
	if err != nil {
		return meta, m, rs.unreadable(id, err)
	}
	return meta, m, nil
}

// unreadable logs why recording id could not be read (an unfinished one
// at debug level; one that does not make sense as a warning) and returns
// the API's error, which says which recording, not where it is on disk.
func (rs *recordings) unreadable(id recording.ID, err error) error {
	level := slog.LevelWarn
	if errors.Is(err, recording.ErrNotFound) {
		level = slog.LevelDebug
	}
	rs.log.Log(context.Background(), level, "recording not readable", "recording", id, "err", err)
	return fmt.Errorf("%w: recording %s is not finished or not readable", review.ErrNotFound, id)
}

// open reads a finished recording, indexes included, and its
// session.json. Errors say which recording, not where it is on disk.
func (rs *recordings) open(id recording.ID) (recordingMeta, *recording.Recording, error) {
	meta, err := rs.meta(id)
	if err != nil {
		return meta, nil, err
	}
	rec, err := recording.Open(rs.path(id))
	if err != nil {
		return meta, nil, rs.unreadable(id, err)
	}
	return meta, rec, nil
}

// playback returns the recording's player, starting it (paused at 0).
func (rs *recordings) playback(id recording.ID, hub *review.Hub) (*playback, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if p := rs.players[id]; p != nil {
		return p, nil
	}
	if rs.closed {
		return nil, review.ErrClosed
	}
	meta, rec, err := rs.open(id)
	if err != nil {
		return nil, err
	}
	player, err := recording.NewPlayer(rec, rs.log.With("recording", id))
	if err != nil {
		return nil, err
	}
	api, err := recording.NewAPI(rs.cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := player.Start(ctx); err != nil {
		cancel()
		return nil, err
	}
	player.OnState(func(st recording.PlayerState) { hub.PublishPlayback(meta.Session, string(id), toPlayerJSON(st)) })
	p := &playback{meta: meta, player: player, viewers: recording.NewViewers(api, rs.cfg, rs.log), cancel: cancel, watched: time.Now()}
	rs.players[id] = p
	return p, nil
}

// deletedPrefix names a recording directory being deleted: renamed out of
// the listing (ParseID refuses the name), then removed. What a crash
// leaves of one is removed at the next start.
const deletedPrefix = ".deleted-"

// remove deletes a finished recording. Its playback is closed if nobody
// watches it; while someone does, it is ErrConflict.
func (rs *recordings) remove(id recording.ID) error {
	rs.mu.Lock()
	p := rs.players[id]
	if p != nil && p.viewers.Len() > 0 {
		n := p.viewers.Len()
		rs.mu.Unlock()
		return fmt.Errorf("%w: recording %s is being watched (%d viewers); delete it once they have left", review.ErrConflict, id, n)
	}
	delete(rs.players, id)
	trash := filepath.Join(rs.dir, deletedPrefix+string(id))
	err := os.Rename(rs.path(id), trash) // under mu: no playback starts from it meanwhile
	rs.mu.Unlock()
	if p != nil {
		p.close()
	}
	if err != nil {
		return fmt.Errorf("delete recording %s: %w", id, err)
	}
	if err := os.RemoveAll(trash); err != nil {
		rs.log.Warn("deleted recording's files not all removed; the next start removes them", "recording", id, "err", err)
	}
	return nil
}

// playing returns the recording's player if it was started, else nil.
func (rs *recordings) playing(id recording.ID) *playback {
	if rs == nil {
		return nil
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.players[id]
}

// Close finishes the active recordings and stops every playback.
func (rs *recordings) Close() {
	rs.mu.Lock()
	rs.closed = true
	active, players := rs.active, rs.players
	rs.active, rs.players = map[review.SessionID]*activeRecording{}, map[recording.ID]*playback{}
	rs.mu.Unlock()
	for _, a := range active {
		rs.finish(a)
	}
	for _, p := range players {
		p.close()
	}
}

// recordSink feeds a track's packets to its recording.
type recordSink struct {
	w    recording.TrackWriter
	end  func()
	once sync.Once
}

func (s *recordSink) WriteRTP(p *rtp.Packet) error { return s.w.WriteRTP(p) }

// WriteSenderReport implements media.SenderReportSink: the recorder lines
// the tracks up by the publisher's reports.
func (s *recordSink) WriteSenderReport(ntp uint64, ts uint32) { s.w.WriteSenderReport(ntp, ts) }
func (s *recordSink) End()                                    { s.once.Do(s.end) }

// recordingJSON is a recording as the API lists it.
type recordingJSON struct {
	ID        recording.ID     `json:"id"`
	Session   review.SessionID `json:"session"`
	StartedAt time.Time        `json:"startedAt"`
	Duration  float64          `json:"duration"`
	Frames    int              `json:"frames"`
	Keyframes []float64        `json:"keyframes"`
	// Recovered marks a recording finished by crash recovery at startup
	// (its last frame and its loss counts are missing).
	Recovered bool `json:"recovered"`
}

// toRecordingJSON describes a finished recording from its manifest.
func toRecordingJSON(meta recordingMeta, m recording.Manifest) recordingJSON {
	out := recordingJSON{ID: meta.ID, Session: meta.Session, StartedAt: meta.StartedAt, Duration: m.Duration,
		Keyframes: []float64{}, Recovered: m.Recovered}
	if m.Video != nil {
		out.Frames = m.Video.Frames
		out.Keyframes = append(out.Keyframes, m.Video.KeyTimes...)
	}
	return out
}

// playerJSON is a recording's playback state as the API sends it.
type playerJSON struct {
	Playing      bool    `json:"playing"`
	Ended        bool    `json:"ended"`
	MediaTime    float64 `json:"mediaTime"`
	Frame        int     `json:"frame"`
	RTPTimestamp uint32  `json:"rtpTimestamp"`
}

func toPlayerJSON(st recording.PlayerState) playerJSON {
	return playerJSON{Playing: st.Playing, Ended: st.Ended, MediaTime: st.MediaTime, Frame: st.Frame, RTPTimestamp: st.RTPTimestamp}
}
