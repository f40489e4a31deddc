package server

// What the review edge asks of the media engine. Until the engine is
// wired (Config.Media), no session is live, pauses carry the media time
// the client gave, and annotations carry only the context they were sent
// with.

import (
	"atelier/review"
)

// contextSample is the build's latest side-channel sample of a session.
type contextSample struct {
	World  string
	Build  string
	Tick   int64
	Camera *review.Camera
	Nodes  []string
}

// live reports whether a publisher is streaming to session id.
func (s *Server) live(id review.SessionID) bool { return false }

// mediaTimeOf converts a video RTP timestamp of session id's stream to
// seconds since the stream began (0 when unknown).
func (s *Server) mediaTimeOf(id review.SessionID, rtp uint32) float64 { return 0 }

// latestContext returns the build's latest context sample of session id.
func (s *Server) latestContext(id review.SessionID) (contextSample, bool) {
	return contextSample{}, false
}
