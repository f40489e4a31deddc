package server

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"atelier/server/auth"
	"atelier/store"
)

// blameEntry says which change last set one property of a node.
type blameEntry struct {
	Prop       string    `json:"prop"`
	Hash       string    `json:"hash"`
	User       string    `json:"user"`
	ReceivedAt time.Time `json:"receivedAt"`
	Time       int64     `json:"time,omitempty"`
	Message    string    `json:"message,omitempty"`
}

// getBlame handles GET /api/worlds/{id}/nodes/{node}/blame: for each
// property of the node, the change, user and time that last set it.
func (s *Server) getBlame(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.world(r, p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	node := r.PathValue("node")
	for _, l := range wd.Layers {
		_, ordinal, err := s.hub.Heads(r.Context(), l.Doc)
		if err != nil {
			s.writeError(w, err)
			return
		}
		dt, err := s.touches.upTo(r.Context(), l.Doc, ordinal)
		if err != nil {
			s.writeError(w, err)
			return
		}
		props := dt.blame(node)
		dt.mu.Unlock()
		if len(props) == 0 {
			continue
		}
		entries, err := s.blameEntries(r, l.Doc, props)
		if err != nil {
			s.writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"node": node, "layer": l.ID, "props": entries})
		return
	}
	s.writeError(w, fmt.Errorf("node %q: %w in world %s", node, store.ErrNotFound, wd.ID))
}

// blameEntries reads the changes behind props (property → ordinal).
func (s *Server) blameEntries(r *http.Request, doc store.DocID, props map[string]int64) ([]blameEntry, error) {
	var ordinals []int64
	seen := map[int64]bool{}
	for _, o := range props {
		if !seen[o] {
			seen[o] = true
			ordinals = append(ordinals, o)
		}
	}
	chs, err := s.st.ChangesByOrdinal(r.Context(), doc, ordinals)
	if err != nil {
		return nil, err
	}
	byOrdinal := map[int64]store.Change{}
	for _, c := range chs {
		byOrdinal[c.Ordinal] = c
	}
	out := make([]blameEntry, 0, len(props))
	for prop, o := range props {
		c := byOrdinal[o]
		out = append(out, blameEntry{Prop: prop, Hash: c.Hash.String(), User: c.User, ReceivedAt: c.ReceivedAt, Time: normaliseTime(c.Time), Message: c.Message})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Prop < out[j].Prop })
	return out, nil
}
