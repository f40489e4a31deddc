package media

import "errors"

// Sentinel errors of the media engine. Handler maps each to an HTTP status
// in one table (statusTable in handler.go).
var (
	// ErrBadOffer means an SDP offer is malformed or not an offer pion can
	// apply (RFC 9725 §4.2: 400).
	ErrBadOffer = errors.New("malformed SDP offer")
	// ErrUnsupportedCodec means an offer has no audio or video codec the
	// engine forwards (VP8, VP9, H.264, Opus), or a viewer accepts none of
	// the publisher's codecs.
	ErrUnsupportedCodec = errors.New("no supported codec")
	// ErrNoPublisher means a viewer asked for a room nobody publishes to.
	ErrNoPublisher = errors.New("no publisher")
	// ErrPublisherExists means a second publisher tried to publish to a room
	// that already has one (live or still negotiating).
	ErrPublisherExists = errors.New("room already has a publisher")
	// ErrTooManyViewers means the room holds Config.MaxViewers viewers.
	ErrTooManyViewers = errors.New("too many viewers")
	// ErrResourceNotFound means a WHIP or WHEP resource id names no live
	// session of the room (never existed, deleted, or ended).
	ErrResourceNotFound = errors.New("no such session")
	// ErrRoomNotFound means the room lookup found no room. Handler.Rooms
	// returns it (or wraps it) for an unknown room id.
	ErrRoomNotFound = errors.New("no such room")
	// ErrRoomClosed means the room was closed.
	ErrRoomClosed = errors.New("room closed")
	// ErrBadFragment means a PATCH body is not a valid
	// application/trickle-ice-sdpfrag (RFC 8840 §9.2).
	ErrBadFragment = errors.New("malformed trickle-ice-sdpfrag")
	// ErrICERestart means a PATCH asked for an ICE restart, which the engine
	// does not support; RFC 9725 §4.3.1 answers it with 422 and keeps the
	// session.
	ErrICERestart = errors.New("ICE restart not supported")
	// ErrETagMismatch means a PATCH's If-Match names another ICE session
	// (RFC 9725 §4.3.1: 412).
	ErrETagMismatch = errors.New("entity-tag does not match the ICE session")
	// ErrUnsupportedMediaType means a request body has the wrong
	// Content-Type (application/sdp for POST,
	// application/trickle-ice-sdpfrag for PATCH).
	ErrUnsupportedMediaType = errors.New("unsupported content type")
	// ErrBodyTooLarge means a request body exceeds HandlerConfig.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("body too large")
	// ErrGatherTimeout means ICE gathering did not complete within
	// Config.GatherTimeout, so no complete answer could be made.
	ErrGatherTimeout = errors.New("ICE gathering timed out")
	// ErrUnauthorized means a request carries no valid credentials. An
	// Authorize callback wraps it (or returns an error the fallback status
	// function maps).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden means the credentials do not allow the action.
	ErrForbidden = errors.New("forbidden")
	// ErrBadSample means a context sample on the data channel is not valid
	// JSON of the documented shape; the sample is dropped and counted.
	ErrBadSample = errors.New("malformed context sample")
)
