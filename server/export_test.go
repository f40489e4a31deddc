package server

import (
	"time"

	"atelier/store"
)

// ReplayedChanges returns the number of changes the server's history
// trackers have run through since it started.
func (s *Server) ReplayedChanges() int64 { return s.touches.replayed.Load() }

// HeldTouches returns the number of touches the history index holds in
// memory for doc, or -1 when it keeps no tracker for doc.
func (s *Server) HeldTouches(doc store.DocID) int {
	s.touches.mu.Lock()
	dt := s.touches.docs[doc]
	s.touches.mu.Unlock()
	if dt == nil {
		return -1
	}
	dt.mu.Lock()
	defer dt.mu.Unlock()
	return len(dt.touches)
}

// SweepPlaybacks closes the recording playbacks without viewers for idle.
func (s *Server) SweepPlaybacks(idle time.Duration) { s.recs.sweep(idle) }
