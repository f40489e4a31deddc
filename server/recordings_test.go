package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	"atelier/review"
	"atelier/review/recording"
	"atelier/server/auth"
)

// A server that dies while recording leaves the recording without its
// manifest. The next server recovers it before it serves: the recording is
// listed with the frames that were complete and plays to a group. A
// recording with no frame at all, or with a torn partial manifest, stays
// unlisted, is marked unrecoverable, and is not tried again at the next
// start; neither stops the server. One another process still records
// (its lock held: a failure that may pass) is left alone and unmarked.
func TestRecordingRecoveredAtStartup(t *testing.T) {
	b := newReviewBackend(t, openSQLite)
	ctx := context.Background()
	sess, err := b.svc.CreateSession(ctx, "ana", review.SessionInput{Title: "Crashed"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Join(ctx, sess.ID, "ana", review.RoleDriver); err != nil {
		t.Fatal(err)
	}
	recordings := t.TempDir()
	const fed = 45 // frames 0-43 are complete; frame 44 is still open when the process dies
	crashed := crashedRecording(t, recordings, sess.ID, fed, func() {
		// An event of the recording's span (after it started, before its
		// first frame), which the recovered recording's event log gets.
		if _, err := b.svc.Join(ctx, sess.ID, "bob", review.RoleViewer); err != nil {
			t.Fatal(err)
		}
	})
	empty := crashedRecording(t, recordings, sess.ID, 0, nil)
	torn := crashedRecording(t, recordings, sess.ID, 0, nil)
	if err := os.WriteFile(filepath.Join(recordings, string(torn), "manifest.partial.json"), []byte(`{"video":{"co`), 0o600); err != nil {
		t.Fatal(err)
	}
	busy := crashedRecording(t, recordings, sess.ID, 0, nil)
	live := recording.NewRecorder(filepath.Join(recordings, string(busy)), nil)
	if _, err := live.AddTrack(recording.KindVideo, webrtc.MimeTypeVP8, 90000, 0); err != nil { // takes the lock
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = live.Close() })
	// The process died while it ended the recording: it had written bob's
	// join to the event log, and a line of the next event.
	events, err := b.svc.Events(ctx, sess.ID)
	if err != nil || len(events) == 0 {
		t.Fatalf("session events %v, %v", events, err)
	}
	bobJoined := events[len(events)-1]
	line, _ := json.Marshal(map[string]any{"at": bobJoined.At, "data": bobJoined})
	partial := append(line, []byte("\n{\"at\":\"2026-")...)
	if err := os.WriteFile(filepath.Join(recordings, string(crashed), recording.EventsFile), partial, 0o600); err != nil {
		t.Fatal(err)
	}

	rs := serveReview(t, b, recordings)
	ana, _ := rs.auth.Issue("ana", nil, auth.RoleEditor, time.Hour)
	vic, _ := rs.auth.Issue("vic", nil, auth.RoleViewer, time.Hour)
	var list struct {
		Recordings []struct {
			ID        recording.ID
			Duration  float64
			Frames    int
			Keyframes []float64
			Recovered bool
		}
	}
	rs.call(t, http.MethodGet, "/api/reviews/"+string(sess.ID)+"/recordings", vic, nil, &list, http.StatusOK)
	if len(list.Recordings) != 1 {
		t.Fatalf("listed %+v, want the recovered recording alone", list.Recordings)
	}
	got := list.Recordings[0]
	if got.ID != crashed || !got.Recovered || got.Frames != fed-1 || math.Abs(got.Duration-float64(fed-1)/30) > 1e-9 ||
		len(got.Keyframes) != 2 || got.Keyframes[1] != 1 {
		t.Fatalf("recovered recording %+v, want %s with %d frames over %v s, keyframes at 0 and 1",
			got, crashed, fed-1, float64(fed-1)/30)
	}
	markers := map[recording.ID][]byte{}
	for _, id := range []recording.ID{empty, torn} {
		rs.call(t, http.MethodGet, "/api/recordings/"+string(id), vic, nil, nil, http.StatusNotFound)
		if _, err := os.Stat(filepath.Join(recordings, string(id), recording.ManifestFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("unrecoverable recording %s got a manifest: %v", id, err)
		}
		var marker struct{ Reason string }
		b, err := os.ReadFile(filepath.Join(recordings, string(id), "unrecoverable.json"))
		if err != nil || json.Unmarshal(b, &marker) != nil || marker.Reason == "" {
			t.Fatalf("recording %s is not marked unrecoverable with a reason: %q, %v", id, b, err)
		}
		markers[id] = b
	}
	// The next start leaves the marked directories alone, and neither
	// start touched the one still being recorded.
	serveReview(t, b, recordings)
	for id, before := range markers {
		if after, err := os.ReadFile(filepath.Join(recordings, string(id), "unrecoverable.json")); err != nil || string(after) != string(before) {
			t.Errorf("recording %s was tried again at the next start: marker %q, was %q (%v)", id, after, before, err)
		}
	}
	for _, name := range []string{"unrecoverable.json", recording.ManifestFile} {
		if _, err := os.Stat(filepath.Join(recordings, string(busy), name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the recording still being recorded got %s: %v", name, err)
		}
	}

	rec, err := recording.Open(filepath.Join(recordings, string(crashed)))
	if err != nil {
		t.Fatal(err)
	}
	logged, err := rec.Events()
	if err != nil {
		t.Fatal(err)
	}
	var joined review.Event
	if len(logged) != 1 || json.Unmarshal(logged[0].Data, &joined) != nil || joined.Kind != review.EventJoin || joined.User != "bob" {
		t.Fatalf("recovered event log %+v, want bob's join once (ana joined before the recording)", logged)
	}

	dir := "/api/recordings/" + string(crashed)
	rs.call(t, http.MethodGet, dir, vic, nil, nil, http.StatusOK)
	viewer := watchReview(t, rs.base+dir+"/whep", vic)
	rs.call(t, http.MethodPost, dir+"/control", ana, map[string]any{"action": "play"}, nil, http.StatusOK)
	waitUntil(t, 10*time.Second, "the viewer to receive 10 frames of the recovered recording", func() bool {
		return viewer.frames.Load() >= 10
	})
}

// crashedRecording leaves in recordings what a server that dies while
// recording a session leaves: the session.json it writes when the
// recording starts, and a Recorder fed the first frames of the VP8 clip in
// a process that then exits without closing it (crashingRecorder).
// With frames 0, no track was ever added. started, if set, runs between
// the two.
func crashedRecording(t *testing.T, recordings string, sid review.SessionID, frames int, started func()) recording.ID {
	t.Helper()
	id, err := recording.NewID()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(recordings, string(id))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(map[string]any{"id": id, "session": sid, "startedAt": time.Now().UTC()})
	if err := os.WriteFile(filepath.Join(dir, "session.json"), meta, 0o600); err != nil {
		t.Fatal(err)
	}
	if started != nil {
		started()
	}
	if frames == 0 {
		return id
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), crashRecordingDir+"="+dir, crashRecordingFrames+"="+strconv.Itoa(frames))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("recording process: %v\n%s", err, out)
	}
	return id
}

// crashRecordingDir and crashRecordingFrames tell the test binary, started
// by crashedRecording, to be a server process that dies while recording.
const (
	crashRecordingDir    = "ATELIER_CRASH_RECORDING_DIR"
	crashRecordingFrames = "ATELIER_CRASH_RECORDING_FRAMES"
)

// crashingRecorder is crashedRecording's child process (TestMain starts it
// instead of the tests): it records the first frames of the VP8 clip into
// dir and exits without closing the recorder, as a server that dies while
// recording. It never returns.
func crashingRecorder(dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crashing recorder:", err)
		os.Exit(1)
	}
	n, err := strconv.Atoi(os.Getenv(crashRecordingFrames))
	if err != nil {
		fail(err)
	}
	frames, err := readClipFrames(n)
	if err != nil {
		fail(err)
	}
	rec := recording.NewRecorder(dir, nil)
	tw, err := rec.AddTrack(recording.KindVideo, webrtc.MimeTypeVP8, 90000, 0)
	if err != nil {
		fail(err)
	}
	pk := rtp.NewPacketizer(1200, 96, 0x1234, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	for _, frame := range frames {
		for _, p := range pk.Packetize(frame, 3000) {
			if err := tw.WriteRTP(p); err != nil {
				fail(err)
			}
		}
	}
	os.Exit(0) // no Close: the process dies
}

// readClipFrames reads the first n frames of the VP8 clip (30 fps, a
// keyframe every 30 frames).
func readClipFrames(n int) ([][]byte, error) {
	f, err := os.Open("../review/testdata/clip-vp8.ivf")
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	r, _, err := ivfreader.NewWith(f)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(out) < n {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("the clip has %d frames, want %d", len(out), n)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, frame)
	}
	return out, nil
}

// The session's creator (or a world owner) deletes a recording: not while
// someone watches it, and nobody else may. It leaves the listing and the
// disk, and the session's channel hears of it. What a deletion cut short
// by a crash left is removed at the next start.
func TestDeleteRecording(t *testing.T) {
	b := newReviewBackend(t, openSQLite)
	ctx := context.Background()
	sess, err := b.svc.CreateSession(ctx, "ana", review.SessionInput{Title: "To tidy"})
	if err != nil {
		t.Fatal(err)
	}
	recordings := t.TempDir()
	id := crashedRecording(t, recordings, sess.ID, 20, nil) // recovered at startup: a finished recording
	leftover := filepath.Join(recordings, ".deleted-"+string(id)+"x")
	if err := os.MkdirAll(filepath.Join(leftover, "sub"), 0o750); err != nil {
		t.Fatal(err)
	}
	rs := serveReview(t, b, recordings)
	ana, _ := rs.auth.Issue("ana", nil, auth.RoleEditor, time.Hour)
	bob, _ := rs.auth.Issue("bob", nil, auth.RoleEditor, time.Hour)
	vic, _ := rs.auth.Issue("vic", nil, auth.RoleViewer, time.Hour)
	olga, _ := rs.auth.Issue("olga", nil, auth.RoleOwner, time.Hour)
	channel := dialChannel(t, rs, "/api/reviews/"+string(sess.ID), vic)
	channel.next(t, "snapshot") // the server serves: its start is done
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a deletion's leftover survived the start: %v", err)
	}
	path := "/api/recordings/" + string(id)

	viewer := watchReview(t, rs.base+path+"/whep", vic)
	for _, tok := range []string{bob, vic} {
		rs.call(t, http.MethodDelete, path, tok, nil, nil, http.StatusForbidden)
	}
	rs.call(t, http.MethodDelete, path, ana, nil, nil, http.StatusConflict) // vic watches it
	rs.call(t, http.MethodDelete, viewer.location, vic, nil, nil, http.StatusOK)
	rs.call(t, http.MethodDelete, path, ana, nil, nil, http.StatusNoContent)
	if m := channel.next(t, "media"); m.Event != "deleted" || m.Recording != string(id) {
		t.Fatalf("channel message %+v, want the deletion", m)
	}
	rs.call(t, http.MethodGet, path, ana, nil, nil, http.StatusNotFound)
	rs.call(t, http.MethodDelete, path, olga, nil, nil, http.StatusNotFound)
	var list struct{ Recordings []json.RawMessage }
	rs.call(t, http.MethodGet, "/api/reviews/"+string(sess.ID)+"/recordings", ana, nil, &list, http.StatusOK)
	if len(list.Recordings) != 0 {
		t.Fatalf("listed after deletion: %s", list.Recordings)
	}
	if left, _ := os.ReadDir(recordings); len(left) != 0 {
		t.Fatalf("files left in the recordings directory: %v", left)
	}

	// A world's owner may delete a recording of a session someone else made.
	other := crashedRecording(t, recordings, sess.ID, 20, nil)
	rs2 := serveReview(t, b, recordings) // recovers it
	rs2.call(t, http.MethodDelete, "/api/recordings/"+string(other), must(rs2.auth.Issue("olga", nil, auth.RoleOwner, time.Hour)), nil, nil, http.StatusNoContent)
}
