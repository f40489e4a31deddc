package server

// The review edge (docs/review.md): review sessions, their shared playback
// state, annotations with their frame images, tasks, the event log and
// exports over HTTP, and each session's realtime channel over a
// websocket. The domain rules live in package review; this file maps
// requests to it and decides who may do what:
//
//   - A session about a world is visible to whoever has a role on that
//     world; a session without a world to whoever has a role on all worlds
//     (everyone in local mode). Others get 404, as for worlds.
//   - The creator joins as driver. Anyone else joins on first contact as
//     annotator when their world role is reviewer or stronger, else as
//     viewer. The domain then enforces: viewers cannot annotate,
//     annotators cannot drive.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"atelier/review"
	"atelier/review/media"
	"atelier/review/recording"
	"atelier/server/auth"
	"atelier/store"
)

// ErrReviewsOff means the server runs without the review service.
var ErrReviewsOff = errors.New("reviews are not enabled on this server")

// maxFrameBytes bounds an uploaded annotation frame (the domain checks too).
const maxFrameBytes = 8 << 20

// reviewJSON is a session as the API returns it: the domain's session,
// the caller's role, and whether a publisher is live.
type reviewJSON struct {
	review.Session
	User string `json:"user"` // the caller, as the server knows them (a token's sub)
	Role string `json:"role"`
	Live bool   `json:"live"`
}

func (s *Server) reviewRoutes(mux muxer) {
	mux.HandleFunc("POST /api/reviews", s.authed(s.createReview))
	mux.HandleFunc("GET /api/reviews", s.authed(s.listReviews))
	mux.HandleFunc("GET /api/reviews/{id}", s.authed(s.getReview))
	mux.HandleFunc("POST /api/reviews/{id}/control", s.authed(s.controlReview))
	mux.HandleFunc("POST /api/reviews/{id}/annotations", s.authed(s.annotate))
	mux.HandleFunc("GET /api/reviews/{id}/annotations", s.authed(s.listAnnotations))
	mux.HandleFunc("PUT /api/reviews/{id}/annotations/{annotation}/frame", s.authed(s.putFrame))
	mux.HandleFunc("GET /api/reviews/{id}/annotations/{annotation}/frame", s.authed(s.getFrame))
	mux.HandleFunc("GET /api/reviews/{id}/events", s.authed(s.exportEvents))
	mux.HandleFunc("GET /api/reviews/{id}/notes", s.authed(s.exportNotes))
	mux.HandleFunc("GET /api/reviews/{id}/channel", s.serveReviewChannel)
	mux.HandleFunc("GET /api/tasks", s.authed(s.listTasks))
	mux.HandleFunc("POST /api/tasks", s.authed(s.createTask))
	mux.HandleFunc("GET /api/tasks/{task}", s.authed(s.getTask))
	mux.HandleFunc("PATCH /api/tasks/{task}", s.authed(s.patchTask))
}

// canSee reports whether p may see a session (or task) about world w.
func canSee(p auth.Principal, w store.WorldID) bool {
	if w == "" {
		return p.All != auth.RoleNone
	}
	return p.Role(w) != auth.RoleNone
}

// listScope returns the sessions p may see (canSee), as a scope for the
// store to select: every session if p may see those without a world (a
// role in every world), else those about the worlds p has a role in.
func listScope(p auth.Principal) store.WorldScope {
	if canSee(p, "") {
		return store.WorldScope{}
	}
	s := store.WorldScope{Limited: true}
	for w := range p.Worlds {
		if canSee(p, w) {
			s.Worlds = append(s.Worlds, w)
		}
	}
	slices.Sort(s.Worlds)
	return s
}

// defaultReviewRole is the role p joins a session about world w with.
func defaultReviewRole(p auth.Principal, w store.WorldID) review.Role {
	r := p.All
	if w != "" {
		r = p.Role(w)
	}
	if r.AtLeast(auth.RoleReviewer) {
		return review.RoleAnnotator
	}
	return review.RoleViewer
}

// session loads the session named in the path and checks p may see it.
func (s *Server) session(r *http.Request, p auth.Principal) (review.Session, error) {
	if s.cfg.Review == nil {
		return review.Session{}, ErrReviewsOff
	}
	id := review.SessionID(r.PathValue("id"))
	sess, err := s.cfg.Review.Session(r.Context(), id)
	if err == nil && !canSee(p, sess.World) {
		err = fmt.Errorf("%w: session %s", review.ErrNotFound, id) // do not reveal it exists
	}
	return sess, err
}

// member loads the session and makes p a member of it (with the default
// role) if they are not one yet; it returns the session and p's role.
func (s *Server) member(r *http.Request, p auth.Principal) (review.Session, review.Role, error) {
	sess, err := s.session(r, p)
	if err != nil {
		return sess, "", err
	}
	if role, ok := sess.State.Role(p.User); ok {
		return sess, role, nil
	}
	role := defaultReviewRole(p, sess.World)
	st, err := s.cfg.Review.Join(r.Context(), sess.ID, p.User, role)
	if err != nil {
		return sess, "", err
	}
	sess.State = st
	return sess, role, nil
}

func (s *Server) reviewOut(sess review.Session, user string, role review.Role) reviewJSON {
	return reviewJSON{Session: sess, User: user, Role: string(role), Live: s.live(sess.ID)}
}

// createReview handles POST /api/reviews {"title", "world"?, "build"?}.
func (s *Server) createReview(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in review.SessionInput
	err := decodeJSON(r, &in)
	if err == nil && s.cfg.Review == nil {
		err = ErrReviewsOff
	}
	if err == nil && !canSee(p, in.World) {
		err = fmt.Errorf("%w: world %s", store.ErrNotFound, in.World)
	}
	if err == nil && defaultReviewRole(p, in.World) != review.RoleAnnotator {
		err = fmt.Errorf("%w: starting a review needs the reviewer role", ErrForbidden)
	}
	var sess review.Session
	if err == nil {
		sess, err = s.cfg.Review.CreateSession(r.Context(), p.User, in)
	}
	if err == nil {
		sess.State, err = s.cfg.Review.Join(r.Context(), sess.ID, p.User, review.RoleDriver)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Location", "/api/reviews/"+string(sess.ID))
	writeJSON(w, http.StatusCreated, s.reviewOut(sess, p.User, review.RoleDriver))
}

// listReviews handles GET /api/reviews[?limit=N]: the newest sessions the
// caller may see (default 100).
func (s *Server) listReviews(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.cfg.Review == nil {
		s.writeError(w, ErrReviewsOff)
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.writeError(w, fmt.Errorf("%w: limit %q is not a number", ErrBadRequest, v))
			return
		}
		limit = n
	}
	if limit < 1 || limit > 500 {
		s.writeError(w, fmt.Errorf("%w: limit %d is not between 1 and 500", ErrBadRequest, limit))
		return
	}
	// A caller with a role in every world sees every session; one with
	// roles in some worlds, those about them, which the store selects.
	sessions, err := s.cfg.Review.Sessions(r.Context(), review.SessionFilter{Limit: limit, Scope: listScope(p)})
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := make([]reviewJSON, 0, len(sessions))
	for _, sess := range sessions {
		role, _ := sess.State.Role(p.User)
		out = append(out, s.reviewOut(sess, p.User, role))
	}
	writeJSON(w, http.StatusOK, map[string]any{"reviews": out})
}

// getReview handles GET /api/reviews/{id}.
func (s *Server) getReview(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sess, role, err := s.member(r, p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.reviewOut(sess, p.User, role))
}

// controlReview handles POST /api/reviews/{id}/control: pause, resume,
// seek or handover. A pause that names only the frame's RTP timestamp
// gets its media time from the stream's clock.
func (s *Server) controlReview(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var c review.Command
	sess, _, err := s.member(r, p)
	if err == nil {
		err = decodeJSON(r, &c)
	}
	if err == nil && c.Action == review.ActionPause && c.MediaTime == 0 && c.RTPTimestamp != 0 {
		c.MediaTime = s.mediaTimeOf(sess.ID, c.RTPTimestamp)
	}
	var st review.PlaybackState
	if err == nil {
		st, err = s.cfg.Review.Control(r.Context(), sess.ID, p.User, c)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// annotationOut is an annotation with the task it made or joined.
type annotationOut struct {
	Annotation review.Annotation `json:"annotation"`
	Task       *review.Task      `json:"task,omitempty"`
}

// annotate handles POST /api/reviews/{id}/annotations[?recording=ID]. A
// note on the live stream gets its media time from its RTP timestamp on
// the stream's clock and, without world context of its own, the build's
// latest side-channel sample (camera pose, world, build, tick). A note on
// a recording's playback keeps the media time and RTP timestamp it was
// sent with.
func (s *Server) annotate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var in review.AnnotationInput
	sess, _, err := s.member(r, p)
	if err == nil {
		err = decodeJSON(r, &in)
	}
	if rec := r.URL.Query().Get("recording"); err == nil && rec != "" {
		// A note on a recording's playback: its RTP timestamp is the
		// player's and its media time the recording's, as the client sent;
		// its world context is the sample recorded at that time.
		err = s.recordingOfSession(recording.ID(rec), sess.ID)
		if err == nil {
			s.fillRecorded(recording.ID(rec), sess, &in)
		}
	} else if err == nil {
		s.fillStream(sess, &in)
	}
	var out annotationOut
	if err == nil {
		out.Annotation, err = s.cfg.Review.Annotate(r.Context(), sess.ID, p.User, in)
	}
	if err == nil && len(out.Annotation.Tasks) > 0 {
		t, terr := s.cfg.Review.Task(r.Context(), out.Annotation.Tasks[len(out.Annotation.Tasks)-1])
		if terr == nil {
			out.Task = &t
		}
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// listAnnotations handles GET /api/reviews/{id}/annotations (by media time).
func (s *Server) listAnnotations(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sess, err := s.session(r, p)
	var list []review.Annotation
	if err == nil {
		list, err = s.cfg.Review.Annotations(r.Context(), sess.ID)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"annotations": orEmpty(list)})
}

// putFrame handles PUT …/annotations/{annotation}/frame: the image the
// annotation was drawn on (PNG or JPEG), once.
func (s *Server) putFrame(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sess, err := s.session(r, p)
	if err == nil {
		err = s.mayAnnotate(r, p)
	}
	var data []byte
	if err == nil {
		data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxFrameBytes))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			err = fmt.Errorf("%w: a frame image over %d bytes", review.ErrTooLarge, maxFrameBytes)
		}
	}
	id := review.AnnotationID(r.PathValue("annotation"))
	if err == nil {
		err = s.annotationOf(r, sess.ID, id)
	}
	var a review.Annotation
	if err == nil {
		a, err = s.cfg.Review.UploadFrame(r.Context(), id, p.User, data)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// annotationOf checks that annotation id belongs to session sid (one row
// read, not the session's whole list).
func (s *Server) annotationOf(r *http.Request, sid review.SessionID, id review.AnnotationID) error {
	a, err := s.st.GetAnnotation(r.Context(), id)
	if err == nil && a.Review != sid {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("%w: annotation %s in session %s", review.ErrNotFound, id, sid)
	}
	return nil
}

// getFrame handles GET …/annotations/{annotation}/frame.
func (s *Server) getFrame(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sess, err := s.session(r, p)
	id := review.AnnotationID(r.PathValue("annotation"))
	if err == nil {
		err = s.annotationOf(r, sess.ID, id)
	}
	var f review.Frame
	if err == nil {
		f, err = s.cfg.Review.Frame(r.Context(), id)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=31536000, immutable") // write-once
	_, _ = w.Write(f.Data)
}

// exportFormat reads ?format=json|csv (json by default).
func exportFormat(r *http.Request) (review.Format, string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return review.FormatJSON, "application/json", nil
	case "csv":
		return review.FormatCSV, "text/csv; charset=utf-8", nil
	default:
		return "", "", fmt.Errorf("%w: format %q is not json or csv", ErrBadRequest, f)
	}
}

// exportEvents handles GET /api/reviews/{id}/events[?format=csv].
func (s *Server) exportEvents(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.export(w, r, p, "events", s.cfg.Review.ExportEvents)
}

// exportNotes handles GET /api/reviews/{id}/notes[?format=csv]: the
// annotations with their tasks.
func (s *Server) exportNotes(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.export(w, r, p, "notes", s.cfg.Review.ExportNotes)
}

type exporter func(ctx context.Context, id review.SessionID, f review.Format, w io.Writer) error

func (s *Server) export(w http.ResponseWriter, r *http.Request, p auth.Principal, what string, fn exporter) {
	sess, err := s.session(r, p)
	f, ctype, ferr := exportFormat(r)
	if err == nil {
		err = ferr
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	var buf strings.Builder
	if err := fn(r.Context(), sess.ID, f, &buf); err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	if f == review.FormatCSV {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="review-%s-%s.csv"`, sess.ID, what))
	}
	_, _ = io.WriteString(w, buf.String())
}

// recordingOfSession checks that recording id is one of session sid's.
func (s *Server) recordingOfSession(id recording.ID, sid review.SessionID) error {
	if s.recs == nil {
		return ErrNoRecordings
	}
	meta, err := s.recs.meta(id)
	if err == nil && meta.Session != sid {
		err = fmt.Errorf("%w: recording %s of this session", review.ErrNotFound, id)
	}
	return err
}

// fillRecorded gives a note on a recording without world context of its
// own the build's sample recorded at or just before its media time.
func (s *Server) fillRecorded(id recording.ID, sess review.Session, in *review.AnnotationInput) {
	if in.Camera != nil || in.Tick != 0 || in.MediaTime == nil {
		return
	}
	samples, err := recording.ReadSamples(s.recs.path(id))
	if err != nil {
		if !errors.Is(err, recording.ErrNotFound) { // not finished: no samples yet
			s.log.Warn("recording samples unreadable", "recording", id, "err", err)
		}
		return
	}
	var at *media.ContextSample
	for _, e := range samples { // in time order
		if e.MediaTime > *in.MediaTime {
			break
		}
		var c media.ContextSample
		if json.Unmarshal(e.Data, &c) == nil {
			at = &c
		}
	}
	if at != nil {
		s.applySample(sess, in, contextOf(*at))
	}
}

// fillStream completes an annotation of the live stream: the media time
// of its frame's RTP timestamp on the stream's clock (the same for every
// viewer, whatever their player's own time says), and, when it brings no
// world context, the build's latest side-channel sample. A sample naming
// another world than the session's is not trusted with the world.
func (s *Server) fillStream(sess review.Session, in *review.AnnotationInput) {
	if in.RTPTimestamp != nil {
		if t := s.mediaTimeOf(sess.ID, *in.RTPTimestamp); t > 0 {
			in.MediaTime = &t
		}
	}
	if in.Camera != nil || in.Tick != 0 {
		return
	}
	if c, ok := s.latestContext(sess.ID); ok {
		s.applySample(sess, in, c)
	}
}

// applySample fills an annotation's world context from a build's sample.
// A sample naming another world than the session's is not trusted with
// the world.
func (s *Server) applySample(sess review.Session, in *review.AnnotationInput, c contextSample) {
	if in.World == "" && (sess.World == "" || store.WorldID(c.World) == sess.World) {
		in.World = store.WorldID(c.World)
	}
	if in.Build == "" {
		in.Build = c.Build
	}
	in.Tick = c.Tick
	if c.Camera != nil {
		in.Camera = &review.Camera{P: c.Camera.P, Q: c.Camera.Q}
	}
	if len(in.Nodes) == 0 {
		in.Nodes = c.Nodes
	}
}

// orEmpty returns xs, or an empty list for nil (JSON [] rather than null).
func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
