package server

// The recordings API: a session's recordings, one recording, and group
// playback over WHEP with the session driver's play, pause and seek.

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"atelier/review"
	"atelier/review/recording"
	"atelier/server/auth"
)

// maxSDPBytes bounds a WHEP offer.
const maxSDPBytes = 64 << 10

// ErrNoRecordings means the server keeps no recordings.
var ErrNoRecordings = fmt.Errorf("%w: this server keeps no recordings", review.ErrNotFound)

func (s *Server) recordingRoutes(mux muxer) {
	mux.HandleFunc("GET /api/reviews/{id}/recordings", s.authed(s.listRecordings))
	mux.HandleFunc("GET /api/recordings/{rec}", s.authed(s.getRecording))
	mux.HandleFunc("DELETE /api/recordings/{rec}", s.authed(s.deleteRecording))
	mux.HandleFunc("POST /api/recordings/{rec}/whep", s.authed(s.watchRecording))
	mux.HandleFunc("DELETE /api/recordings/{rec}/whep/{viewer}", s.authed(s.leaveRecording))
	mux.HandleFunc("POST /api/recordings/{rec}/control", s.authed(s.controlRecording))
}

// listRecordings handles GET /api/reviews/{id}/recordings.
func (s *Server) listRecordings(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sess, err := s.session(r, p)
	if err == nil && s.recs == nil {
		err = ErrNoRecordings
	}
	var list []recordingJSON
	if err == nil {
		list, err = s.recs.list(sess.ID)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"recordings": list})
}

// recordingOf reads the finished recording in the path (its manifest, not
// its indexes) and checks p may see its session.
func (s *Server) recordingOf(r *http.Request, p auth.Principal) (recordingMeta, recording.Manifest, review.Session, error) {
	if s.recs == nil {
		return recordingMeta{}, recording.Manifest{}, review.Session{}, ErrNoRecordings
	}
	meta, m, err := s.recs.finished(recording.ID(r.PathValue("rec")))
	if err != nil {
		return meta, m, review.Session{}, err
	}
	r.SetPathValue("id", string(meta.Session))
	sess, err := s.session(r, p)
	return meta, m, sess, err
}

// getRecording handles GET /api/recordings/{rec}: the recording and, when
// it is being played, the playback state.
func (s *Server) getRecording(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	meta, m, _, err := s.recordingOf(r, p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := struct {
		recordingJSON
		Playback *playerJSON `json:"playback,omitempty"`
	}{recordingJSON: toRecordingJSON(meta, m)}
	if pb := s.recs.playing(meta.ID); pb != nil {
		st := toPlayerJSON(pb.player.State())
		out.Playback = &st
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteRecording handles DELETE /api/recordings/{rec}: the session's
// creator, or an owner of its world, deletes a finished recording (204).
// While viewers watch its playback it is 409.
func (s *Server) deleteRecording(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	meta, _, sess, err := s.recordingOf(r, p)
	if err == nil && !mayDeleteRecordings(p, sess) {
		err = fmt.Errorf("%w: only the session's creator (%q) or an owner of its world deletes its recordings", review.ErrForbidden, sess.CreatedBy)
	}
	if err == nil {
		err = s.recs.remove(meta.ID)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.log.Info("recording deleted", "recording", meta.ID, "session", meta.Session, "user", p.User)
	s.cfg.Review.Hub().PublishRecordingDeleted(meta.Session, string(meta.ID))
	w.WriteHeader(http.StatusNoContent)
}

// mayDeleteRecordings reports whether p may delete the recordings of sess:
// its creator, or an owner of its world (of every world, for a session
// without one).
func mayDeleteRecordings(p auth.Principal, sess review.Session) bool {
	role := p.All
	if sess.World != "" {
		role = p.Role(sess.World)
	}
	return p.User == sess.CreatedBy || role.AtLeast(auth.RoleOwner)
}

// watchRecording handles POST /api/recordings/{rec}/whep: a WHEP viewer of
// the recording's group playback (201, the SDP answer, Location).
func (s *Server) watchRecording(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	meta, _, _, err := s.recordingOf(r, p)
	var offer []byte
	if err == nil {
		offer, err = readOffer(w, r)
	}
	var pb *playback
	if err == nil {
		pb, err = s.recs.playback(meta.ID, s.cfg.Review.Hub())
	}
	if err == nil && pb.viewers.Len() >= maxPlaybackViewers {
		err = fmt.Errorf("%w: %d viewers already watch this recording", ErrTooBusy, maxPlaybackViewers)
	}
	var id recording.ViewerID
	var answer string
	if err == nil {
		id, answer, err = pb.viewers.Add(r.Context(), pb.player, string(offer))
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/api/recordings/"+string(meta.ID)+"/whep/"+string(id))
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

// leaveRecording handles DELETE /api/recordings/{rec}/whep/{viewer}.
func (s *Server) leaveRecording(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	meta, _, _, err := s.recordingOf(r, p)
	pb := s.recs.playing(meta.ID)
	if err == nil && pb == nil {
		err = fmt.Errorf("%w: viewer", review.ErrNotFound)
	}
	if err == nil {
		err = pb.viewers.Remove(recording.ViewerID(r.PathValue("viewer")))
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// playbackCommand is POST /api/recordings/{rec}/control.
type playbackCommand struct {
	Action    string  `json:"action"` // play, pause or seek
	MediaTime float64 `json:"mediaTime,omitempty"`
}

// controlRecording handles POST /api/recordings/{rec}/control: the
// session's driver plays, pauses or seeks (to the keyframe at or before
// mediaTime) the recording for everyone watching it.
func (s *Server) controlRecording(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	meta, _, sess, err := s.recordingOf(r, p)
	var c playbackCommand
	if err == nil {
		err = decodeJSON(r, &c)
	}
	if err == nil && sess.State.Driver != p.User {
		err = fmt.Errorf("%w: only the session's driver (%q) plays, pauses and seeks its recordings", review.ErrForbidden, sess.State.Driver)
	}
	var pb *playback
	if err == nil {
		pb, err = s.recs.playback(meta.ID, s.cfg.Review.Hub())
	}
	if err == nil {
		err = applyPlayback(pb.player, c)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toPlayerJSON(pb.player.State()))
}

// maxPlaybackViewers bounds the viewers of one recording's playback (the
// live rooms' default).
const maxPlaybackViewers = 500

// ErrTooBusy means a playback has all the viewers it takes.
var ErrTooBusy = errors.New("too many viewers")

// readOffer reads a WHEP offer: application/sdp, at most maxSDPBytes.
func readOffer(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/sdp" {
		return nil, fmt.Errorf("%w: a WHEP offer is application/sdp, not %q", ErrUnsupportedMedia, r.Header.Get("Content-Type"))
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSDPBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, fmt.Errorf("%w: an offer over %d bytes", ErrTooLarge, maxSDPBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: offer: %w", ErrBadRequest, err)
	}
	return b, nil
}

func applyPlayback(pl *recording.Player, c playbackCommand) error {
	switch c.Action {
	case "play":
		return pl.Play()
	case "pause":
		return pl.Pause()
	case "seek":
		if c.MediaTime < 0 {
			return fmt.Errorf("%w: mediaTime %v is negative", ErrBadRequest, c.MediaTime)
		}
		_, err := pl.Seek(c.MediaTime)
		return err
	}
	return fmt.Errorf("%w: action %q is not play, pause or seek", ErrBadRequest, c.Action)
}
