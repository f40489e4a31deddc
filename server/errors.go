package server

import (
	"errors"
	"net/http"

	"github.com/gorilla/websocket"

	"atelier/crdt"
	"atelier/review"
	"atelier/review/recording"
	"atelier/scene"
	"atelier/server/auth"
	"atelier/server/wire"
	"atelier/store"
)

// Sentinel errors of the edge.
var (
	// ErrBadRequest means a request body or parameter is malformed.
	ErrBadRequest = errors.New("bad request")
	// ErrForbidden means the principal lacks the role the action needs.
	ErrForbidden = errors.New("forbidden")
	// ErrTooLarge means a websocket message exceeds the configured limit.
	ErrTooLarge = errors.New("message too large")
	// ErrHandshakeTimeout means a client did not send join in time.
	ErrHandshakeTimeout = errors.New("no join message in time")
	// ErrPeerTimeout means a joined peer sent nothing, not even a pong, for
	// three ping intervals.
	ErrPeerTimeout = errors.New("peer silent: no message or pong in time")
	// ErrUnsupportedProtocol means a join offered no protocol version we speak.
	ErrUnsupportedProtocol = errors.New("unsupported protocol version")
	// ErrNotJoined means a message arrived before the join handshake.
	ErrNotJoined = errors.New("message before join")
	// ErrPeerIDTaken means another user's connection uses the peer id.
	ErrPeerIDTaken = errors.New("peer id taken")
	// ErrReplaced means the same peer id connected again; the old connection closes.
	ErrReplaced = errors.New("peer connected again")
	// ErrUnsupportedMedia means a body is not of the content type the route takes.
	ErrUnsupportedMedia = errors.New("unsupported content type")
)

// Websocket close codes that mirror HTTP statuses (as hocuspocus does).
const (
	CloseBadMessage      = 4400
	CloseUnauthenticated = 4401
	CloseForbidden       = 4403
	CloseTimeout         = 4408
	CloseConflict        = 4409
	CloseTooLarge        = 4413
	CloseSlowDown        = 4429
)

// errorMap is the one table from errors to HTTP statuses and close codes.
var errorMap = []struct {
	err    error
	status int
	close  int
}{
	{ErrBadRequest, http.StatusBadRequest, CloseBadMessage},
	{wire.ErrMalformed, http.StatusBadRequest, CloseBadMessage},
	{wire.ErrMissingField, http.StatusBadRequest, CloseBadMessage},
	{ErrNotJoined, http.StatusBadRequest, CloseBadMessage},
	{ErrUnsupportedProtocol, http.StatusBadRequest, CloseBadMessage},
	{crdt.ErrBadSyncMessage, http.StatusBadRequest, CloseBadMessage},
	{crdt.ErrBadChange, http.StatusBadRequest, CloseBadMessage},
	{crdt.ErrActorChain, http.StatusBadRequest, CloseBadMessage},
	{crdt.ErrMissingDeps, http.StatusBadRequest, CloseBadMessage},
	{crdt.ErrTooMuchPending, http.StatusBadRequest, CloseBadMessage},
	{auth.ErrNoToken, http.StatusUnauthorized, CloseUnauthenticated},
	{auth.ErrBadToken, http.StatusUnauthorized, CloseUnauthenticated},
	{ErrForbidden, http.StatusForbidden, CloseForbidden},
	{crdt.ErrReadOnly, http.StatusForbidden, CloseForbidden},
	{review.ErrInvalid, http.StatusBadRequest, CloseBadMessage}, // before ErrNotFound: "names a world that does not exist" is bad input
	{store.ErrNotFound, http.StatusNotFound, CloseBadMessage},
	{scene.ErrNodeNotFound, http.StatusNotFound, CloseBadMessage},
	{scene.ErrInvalidProperty, http.StatusBadRequest, CloseBadMessage},
	{scene.ErrInvalidValue, http.StatusBadRequest, CloseBadMessage},
	{scene.ErrInvalidPosition, http.StatusBadRequest, CloseBadMessage},
	{scene.ErrInvalidNode, http.StatusBadRequest, CloseBadMessage},
	{scene.ErrWouldCycle, http.StatusConflict, CloseConflict},
	{crdt.ErrUnavailable, http.StatusNotFound, CloseBadMessage},
	{ErrHandshakeTimeout, http.StatusRequestTimeout, CloseTimeout},
	{ErrPeerTimeout, http.StatusRequestTimeout, CloseTimeout},
	{ErrReplaced, http.StatusConflict, CloseConflict},
	{ErrPeerIDTaken, http.StatusConflict, CloseConflict},
	{store.ErrExists, http.StatusConflict, CloseConflict},
	{ErrTooLarge, http.StatusRequestEntityTooLarge, CloseTooLarge},
	{crdt.ErrSlowPeer, http.StatusTooManyRequests, CloseSlowDown},
	{crdt.ErrTooManyDocuments, http.StatusTooManyRequests, CloseSlowDown},
	{crdt.ErrClosed, http.StatusServiceUnavailable, websocket.CloseGoingAway},
	{review.ErrNotFound, http.StatusNotFound, CloseBadMessage},
	{review.ErrForbidden, http.StatusForbidden, CloseForbidden},
	{review.ErrTooLarge, http.StatusRequestEntityTooLarge, CloseTooLarge},
	{review.ErrConflict, http.StatusConflict, CloseConflict},
	{review.ErrSlowSubscriber, http.StatusTooManyRequests, CloseSlowDown},
	{review.ErrClosed, http.StatusServiceUnavailable, websocket.CloseGoingAway},
	{ErrReviewsOff, http.StatusNotFound, CloseBadMessage},
	{ErrUnsupportedMedia, http.StatusUnsupportedMediaType, CloseBadMessage},
	{ErrTooBusy, http.StatusServiceUnavailable, websocket.CloseTryAgainLater},
	{recording.ErrNotFound, http.StatusNotFound, CloseBadMessage},
	{recording.ErrViewerNotFound, http.StatusNotFound, CloseBadMessage},
	{recording.ErrBadOffer, http.StatusBadRequest, CloseBadMessage},
	{recording.ErrNegativeSeek, http.StatusBadRequest, CloseBadMessage},
	{recording.ErrUnsupportedCodec, http.StatusUnprocessableEntity, CloseBadMessage},
	{recording.ErrGatherTimeout, http.StatusServiceUnavailable, websocket.CloseTryAgainLater},
	{recording.ErrClosed, http.StatusServiceUnavailable, websocket.CloseGoingAway},
}

// statusOf returns the HTTP status for err (500 when unknown).
func statusOf(err error) int {
	for _, e := range errorMap {
		if errors.Is(err, e.err) {
			return e.status
		}
	}
	return http.StatusInternalServerError
}

// closeCodeOf returns the websocket close code for err (1011 when unknown).
func closeCodeOf(err error) int {
	for _, e := range errorMap {
		if errors.Is(err, e.err) {
			return e.close
		}
	}
	return websocket.CloseInternalServerErr
}
