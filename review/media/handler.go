package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Content types of WHIP and WHEP bodies.
const (
	// ContentTypeSDP is the type of offers and answers (RFC 9725 §4.2).
	ContentTypeSDP = "application/sdp"
	// ContentTypeFragment is the type of trickle ICE PATCH bodies
	// (RFC 8840 §9.2).
	ContentTypeFragment = "application/trickle-ice-sdpfrag"
)

// Action is what a request asks to do in a room; Authorize decides.
type Action int

const (
	// ActionPublish is a WHIP request (POST, PATCH, DELETE).
	ActionPublish Action = iota + 1
	// ActionView is a WHEP request.
	ActionView
)

func (a Action) role() Role {
	if a == ActionPublish {
		return RolePublisher
	}
	return RoleViewer
}

// HandlerConfig wires the WHIP/WHEP endpoints to the caller's rooms and
// authorization.
type HandlerConfig struct {
	// Rooms returns the room of an id (the "id" path value): ErrRoomNotFound,
	// or an error StatusOf maps, when there is none.
	Rooms func(ctx context.Context, id RoomID) (*Room, error)
	// Authorize decides whether a request may act on a room. It is called
	// for every request but OPTIONS (CORS preflights carry no
	// credentials, RFC 9725 §4.5). Nil allows everything. Its errors should
	// wrap ErrUnauthorized or ErrForbidden, or be errors StatusOf maps.
	Authorize func(r *http.Request, room RoomID, action Action) error
	// StatusOf maps errors that are not the package's own (the caller's
	// table); nil, or 0 from it, means 500.
	StatusOf func(error) int
	// MaxBodyBytes limits an SDP offer or fragment (default 64 KiB).
	MaxBodyBytes int64
	// RetryAfter is the Retry-After of a WHEP request with no publisher
	// (default 2s, sent in whole seconds).
	RetryAfter time.Duration
	// AllowOrigin is Access-Control-Allow-Origin (default "*": the API
	// authenticates with bearer tokens, not cookies).
	AllowOrigin string
	// Logger logs internal errors (nil: discarded).
	Logger *slog.Logger
}

// Handler serves WHIP (RFC 9725) and WHEP endpoints and sessions for rooms:
//
//	POST    {base}/whip                 offer → 201, answer, Location, ETag
//	PATCH   {base}/whip/{resource}      trickle-ice-sdpfrag → 204
//	DELETE  {base}/whip/{resource}      → 200
//	OPTIONS both                        CORS preflight → 204
//
// and the same under {base}/whep. Every error goes through statusTable.
type Handler struct {
	cfg HandlerConfig
	log *slog.Logger
}

// NewHandler returns a handler for cfg.
func NewHandler(cfg HandlerConfig) *Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 2 * time.Second
	}
	if cfg.AllowOrigin == "" {
		cfg.AllowOrigin = "*"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, log: log}
}

// Mux is the part of *http.ServeMux that Register uses.
type Mux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Register mounts the endpoints under base, a ServeMux pattern path whose
// "{id}" wildcard is the room id: Register(mux, "/api/reviews/{id}").
// Location headers are request paths, so base must be the path clients use.
func (h *Handler) Register(mux Mux, base string) {
	for _, ep := range []struct {
		path   string
		action Action
	}{{base + "/whip", ActionPublish}, {base + "/whep", ActionView}} {
		a := ep.action
		mux.HandleFunc("POST "+ep.path, func(w http.ResponseWriter, r *http.Request) { h.Post(w, r, a) })
		mux.HandleFunc("OPTIONS "+ep.path, h.optionsEndpoint)
		mux.HandleFunc("PATCH "+ep.path+"/{resource}", func(w http.ResponseWriter, r *http.Request) { h.Patch(w, r, a) })
		mux.HandleFunc("DELETE "+ep.path+"/{resource}", func(w http.ResponseWriter, r *http.Request) { h.Delete(w, r, a) })
		mux.HandleFunc("OPTIONS "+ep.path+"/{resource}", h.optionsResource)
	}
}

// Post creates a session from an SDP offer: 201 Created with the answer,
// its Location (the request path and the resource id), ETag, Accept-Patch
// and one Link per ICE server (RFC 9725 §4.2, §4.4).
func (h *Handler) Post(w http.ResponseWriter, r *http.Request, a Action) {
	h.cors(w)
	room, err := h.room(r, a)
	if err != nil {
		h.fail(w, err)
		return
	}
	offer, err := h.body(w, r, ContentTypeSDP)
	if err != nil {
		h.fail(w, err)
		return
	}
	start := room.Subscribe
	if a == ActionPublish {
		start = room.Publish
	}
	answer, id, err := start(r.Context(), offer)
	if err != nil {
		h.fail(w, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ContentTypeSDP)
	hd.Set("Location", strings.TrimSuffix(r.URL.Path, "/")+"/"+string(id))
	hd.Set("Accept-Patch", ContentTypeFragment)
	if s, ok := room.Session(id); ok {
		hd.Set("ETag", strconv.Quote(s.ETag))
	}
	for _, link := range iceLinks(room.eng.cfg) {
		hd.Add("Link", link)
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
}

// Patch applies a trickle-ice-sdpfrag to a session: 204 No Content. An
// If-Match other than "*" must name the session's ETag (412 otherwise); a
// fragment with new ICE credentials (an ICE restart) is 422 (RFC 9725
// §4.3.1).
func (h *Handler) Patch(w http.ResponseWriter, r *http.Request, a Action) {
	h.cors(w)
	room, s, err := h.session(r, a)
	if err != nil {
		h.fail(w, err)
		return
	}
	frag, err := h.body(w, r, ContentTypeFragment)
	if err != nil {
		h.fail(w, err)
		return
	}
	if im := r.Header.Get("If-Match"); im != "" && !etagMatches(im, s.ETag) {
		h.fail(w, ErrETagMismatch)
		return
	}
	if err := room.Trickle(s.ID, frag); err != nil {
		h.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Delete ends a session: 200 OK. Entity-tags are ignored (RFC 9725 §4.3.1).
func (h *Handler) Delete(w http.ResponseWriter, r *http.Request, a Action) {
	h.cors(w)
	room, s, err := h.session(r, a)
	if err == nil {
		err = room.Remove(s.ID)
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) optionsEndpoint(w http.ResponseWriter, _ *http.Request) {
	h.preflight(w, "OPTIONS, POST")
	w.Header().Set("Accept-Post", ContentTypeSDP)
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) optionsResource(w http.ResponseWriter, _ *http.Request) {
	h.preflight(w, "OPTIONS, PATCH, DELETE")
	w.Header().Set("Accept-Patch", ContentTypeFragment)
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) preflight(w http.ResponseWriter, methods string) {
	h.cors(w)
	hd := w.Header()
	hd.Set("Allow", methods)
	hd.Set("Access-Control-Allow-Methods", methods)
	hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match")
	hd.Set("Access-Control-Max-Age", "86400")
}

func (h *Handler) cors(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", h.cfg.AllowOrigin)
	w.Header().Set("Access-Control-Expose-Headers", "Location, ETag, Link, Accept-Patch, Retry-After")
}

// room authorizes the request and looks its room up.
func (h *Handler) room(r *http.Request, a Action) (*Room, error) {
	id := RoomID(r.PathValue("id"))
	if h.cfg.Authorize != nil {
		if err := h.cfg.Authorize(r, id, a); err != nil {
			return nil, err
		}
	}
	if h.cfg.Rooms == nil {
		return nil, ErrRoomNotFound
	}
	room, err := h.cfg.Rooms(r.Context(), id)
	if err == nil && room == nil {
		err = ErrRoomNotFound
	}
	return room, err
}

// session returns the request's room and its session of a's role.
func (h *Handler) session(r *http.Request, a Action) (*Room, Session, error) {
	room, err := h.room(r, a)
	if err != nil {
		return nil, Session{}, err
	}
	s, ok := room.Session(ResourceID(r.PathValue("resource")))
	if !ok || s.Role != a.role() {
		return nil, Session{}, ErrResourceNotFound
	}
	return room, s, nil
}

// body reads a request body of content type ct, at most MaxBodyBytes.
func (h *Handler) body(w http.ResponseWriter, r *http.Request, ct string) (string, error) {
	got, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || got != ct {
		return "", fmt.Errorf("%w: %q, want %s", ErrUnsupportedMediaType, r.Header.Get("Content-Type"), ct)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return "", fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, mbe.Limit)
	}
	return string(b), err
}

// etagMatches compares an If-Match list with the session's entity-tag
// (strong comparison, RFC 9110 §13.1.1); "*" matches.
func etagMatches(ifMatch, etag string) bool {
	for _, t := range strings.Split(ifMatch, ",") {
		if t = strings.TrimSpace(t); t == "*" || t == strconv.Quote(etag) {
			return true
		}
	}
	return false
}

// iceLinks are the Link header values of the ICE servers (RFC 9725 §4.4).
func iceLinks(cfg Config) []string {
	var links []string
	for _, s := range cfg.ICEServers {
		for _, u := range s.URLs {
			l := "<" + u + `>; rel="ice-server"`
			if s.Username != "" {
				l += fmt.Sprintf("; username=%q; credential=%q; credential-type=\"password\"", s.Username, fmt.Sprint(s.Credential))
			}
			links = append(links, l)
		}
	}
	return links
}

// statusTable is the one table from errors to HTTP statuses.
var statusTable = []struct {
	err    error
	status int
}{
	{ErrBadOffer, http.StatusBadRequest},
	{ErrBadFragment, http.StatusBadRequest},
	{ErrBadSample, http.StatusBadRequest},
	{ErrUnauthorized, http.StatusUnauthorized},
	{ErrForbidden, http.StatusForbidden},
	{ErrRoomNotFound, http.StatusNotFound},
	{ErrRoomClosed, http.StatusNotFound},
	{ErrResourceNotFound, http.StatusNotFound},
	{ErrNoPublisher, http.StatusConflict},
	{ErrPublisherExists, http.StatusConflict},
	{ErrETagMismatch, http.StatusPreconditionFailed},
	{ErrBodyTooLarge, http.StatusRequestEntityTooLarge},
	{ErrUnsupportedMediaType, http.StatusUnsupportedMediaType},
	{ErrUnsupportedCodec, http.StatusUnprocessableEntity},
	{ErrICERestart, http.StatusUnprocessableEntity},
	{ErrTooManyViewers, http.StatusServiceUnavailable},
	{ErrGatherTimeout, http.StatusServiceUnavailable},
	{context.DeadlineExceeded, http.StatusServiceUnavailable},
	{context.Canceled, http.StatusServiceUnavailable}, // the client left; nobody reads it
}

// statusOf returns err's status: the table's, else StatusOf's, else 500.
func (h *Handler) statusOf(err error) int {
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return e.status
		}
	}
	if h.cfg.StatusOf != nil {
		if s := h.cfg.StatusOf(err); s != 0 {
			return s
		}
	}
	return http.StatusInternalServerError
}

// fail answers with err's status and {"error": message}; internal errors
// are logged, not shown. 409 without a publisher and 503 for a full room
// carry Retry-After.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	status := h.statusOf(err)
	msg := err.Error()
	if status >= http.StatusInternalServerError && status != http.StatusServiceUnavailable {
		h.log.Error("media endpoint", "err", err)
		msg = "internal error"
	}
	hd := w.Header()
	if errors.Is(err, ErrNoPublisher) || errors.Is(err, ErrTooManyViewers) {
		hd.Set("Retry-After", strconv.Itoa(int((h.cfg.RetryAfter+time.Second-1)/time.Second)))
	}
	if status == http.StatusUnauthorized {
		hd.Set("WWW-Authenticate", `Bearer realm="atelier"`)
	}
	hd.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
