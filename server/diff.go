package server

import (
	"context"
	"fmt"
	"net/http"

	"atelier/scene"
	"atelier/server/auth"
	"atelier/store"
)

// layerDiffJSON is one layer's part of GET /api/worlds/{id}/diff.
type layerDiffJSON struct {
	ID   store.LayerID   `json:"id"`
	Name string          `json:"name"`
	Diff *scene.TreeDiff `json:"diff"`
}

// getDiff handles GET /api/worlds/{id}/diff?from=VERSION[&to=VERSION]: what
// changed in every layer between two versions (to defaults to now).
func (s *Server) getDiff(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	wd, err := s.world(r, p)
	var from, to map[store.DocID]pin
	if err == nil {
		from, err = s.resolveVersion(r.Context(), wd, q.Get("from"))
	}
	if err == nil && q.Has("to") {
		to, err = s.resolveVersion(r.Context(), wd, q.Get("to"))
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := struct {
		From   string          `json:"from"`
		To     string          `json:"to,omitempty"`
		Layers []layerDiffJSON `json:"layers"`
	}{From: q.Get("from"), To: q.Get("to"), Layers: []layerDiffJSON{}}
	for _, l := range wd.Layers {
		// The two sides are independent: materialize them in parallel.
		var a *scene.Tree
		var errA error
		done := make(chan struct{})
		go func() { defer close(done); a, errA = s.layerTree(r.Context(), l.Doc, from) }()
		b, errB := s.layerTree(r.Context(), l.Doc, to)
		<-done
		if err := firstErr(errA, errB); err != nil {
			s.writeError(w, fmt.Errorf("layer %s: %w", l.ID, err))
			return
		}
		out.Layers = append(out.Layers, layerDiffJSON{ID: l.ID, Name: l.Name, Diff: scene.Diff(a, b)})
	}
	writeJSON(w, http.StatusOK, out)
}

// layerTree resolves a layer as pinned (now without a pin); a layer that
// did not exist yet is an empty tree.
func (s *Server) layerTree(ctx context.Context, doc store.DocID, pins map[store.DocID]pin) (*scene.Tree, error) {
	if p, ok := pins[doc]; ok && p.Ordinal == 0 {
		return nil, nil
	}
	t, _, err := s.layers.tree(ctx, doc, pinOf(pins, doc))
	return t, err
}
