package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/automerge/automerge-go"

	"atelier/crdt"
	"atelier/crdt/format"
	"atelier/scene"
	"atelier/server/auth"
	"atelier/store"
)

type restoreRequest struct {
	At         string   `json:"at"`
	Layer      string   `json:"layer,omitempty"`
	Nodes      []string `json:"nodes,omitempty"`
	Properties []string `json:"properties,omitempty"`
}

// layerWrite is what a restore or revert wrote to one layer.
type layerWrite struct {
	Layer     store.LayerID    `json:"layer"`
	Change    string           `json:"change,omitempty"` // "" when nothing needed writing
	Created   []scene.NodeID   `json:"created"`
	Deleted   []scene.NodeID   `json:"deleted"`
	Updated   []scene.NodeID   `json:"updated"`
	Conflicts []scene.Conflict `json:"conflicts,omitempty"`
}

// editor checks the principal may write the world named in the path.
func (s *Server) editor(r *http.Request, p auth.Principal) (store.World, error) {
	wd, err := s.world(r, p)
	if err == nil && !p.Role(wd.ID).CanEdit() {
		err = fmt.Errorf("%w: this needs the editor role", ErrForbidden)
	}
	return wd, err
}

// postRestore handles POST /api/worlds/{id}/restore: it writes, per layer,
// one change that makes the world (or the given layer, nodes, properties)
// equal to the version. History keeps everything; the restore is itself a
// change, attributed and revertible.
func (s *Server) postRestore(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.editor(r, p)
	var req restoreRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	var pins map[store.DocID]pin
	if err == nil {
		pins, err = s.resolveVersion(r.Context(), wd, req.At)
	}
	var layers []store.Layer
	if err == nil {
		layers, err = pickLayers(wd, req.Layer)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	scope := scene.RestoreScope{Props: req.Properties}
	for _, n := range req.Nodes {
		scope.Nodes = append(scope.Nodes, scene.NodeID(n))
	}
	out, err := s.restoreLayers(r.Context(), p.User, layers, pins, scope)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"at": req.At, "layers": out})
}

func pickLayers(wd store.World, id string) ([]store.Layer, error) {
	if id == "" {
		return wd.Layers, nil
	}
	for _, l := range wd.Layers {
		if string(l.ID) == id {
			return []store.Layer{l}, nil
		}
	}
	return nil, fmt.Errorf("layer %q: %w in world %s", id, store.ErrNotFound, wd.ID)
}

// restoreLayers restores each layer. With a node scope, a layer is
// restored only for the scoped nodes it holds (now or at the version), and
// a node found in no layer is ErrNotFound.
func (s *Server) restoreLayers(ctx context.Context, user string, layers []store.Layer, pins map[store.DocID]pin, scope scene.RestoreScope) ([]layerWrite, error) {
	out := []layerWrite{}
	found := map[scene.NodeID]bool{}
	for _, l := range layers {
		target, err := s.readLayer(ctx, l.Doc, pins)
		if err != nil {
			return nil, err
		}
		current, err := s.readLayer(ctx, l.Doc, nil)
		if err != nil {
			return nil, err
		}
		sc, ok := scopeFor(scope, target, current, found)
		if !ok {
			continue
		}
		var res scene.RestoreResult
		err = s.hub.Edit(ctx, l.Doc, user, func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
			var rerr error
			res, rerr = scene.Restore(doc, target, sc, scene.OpOptions{Author: user})
			return res.Change, res.Changed, rerr
		})
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.ID, err)
		}
		out = append(out, layerWrite{
			Layer: l.ID, Change: changeString(res.Change, res.Changed),
			Created: orEmpty(res.Created), Deleted: orEmpty(res.Deleted), Updated: orEmpty(res.Updated),
		})
	}
	for _, n := range scope.Nodes {
		if !found[n] {
			return nil, fmt.Errorf("node %q: %w in any layer, now or at that version", n, store.ErrNotFound)
		}
	}
	return out, nil
}

// scopeFor narrows a node scope to the nodes a layer holds (in target or
// now), noting them in found. ok is false when the layer has none of them.
func scopeFor(scope scene.RestoreScope, target, current *scene.LayerState, found map[scene.NodeID]bool) (scene.RestoreScope, bool) {
	if len(scope.Nodes) == 0 {
		return scope, true
	}
	sc := scene.RestoreScope{Props: scope.Props}
	for _, n := range scope.Nodes {
		_, then := target.Nodes[n]
		now := current != nil && current.Nodes[n] != nil
		if then || now {
			found[n] = true
			sc.Nodes = append(sc.Nodes, n)
		}
	}
	return sc, len(sc.Nodes) > 0
}

// changeString is the hash of the change an edit wrote, "" if it wrote none.
func changeString(h automerge.ChangeHash, changed bool) string {
	if !changed {
		return ""
	}
	return format.ChangeHash(h).String()
}

type revertRequest struct {
	Change string `json:"change"`
}

// postRevert handles POST /api/worlds/{id}/revert: one change that undoes
// exactly what the given change did. Where a later change touched the same
// property, it is left as it is and reported as a conflict.
func (s *Server) postRevert(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.editor(r, p)
	var req revertRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	var h format.ChangeHash
	if err == nil {
		if h, err = format.ParseHash(req.Change); err != nil {
			err = fmt.Errorf("%w: change: %w", ErrBadRequest, err)
		}
	}
	var lw layerWrite
	if err == nil {
		lw, err = s.revert(r.Context(), p.User, wd, h)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, lw)
}

func (s *Server) revert(ctx context.Context, user string, wd store.World, h format.ChangeHash) (layerWrite, error) {
	for _, l := range wd.Layers {
		c, err := s.st.ChangeByHash(ctx, l.Doc, store.ChangeHash(h))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return layerWrite{}, err
		}
		deps := make([]crdt.Hash, len(c.Deps))
		for i, d := range c.Deps {
			deps[i] = crdt.Hash(d)
		}
		before, after, err := s.aroundChange(ctx, l.Doc, c)
		if err != nil {
			return layerWrite{}, err
		}
		var res scene.RevertResult
		err = s.hub.Edit(ctx, l.Doc, user, func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
			var rerr error
			res, rerr = scene.Revert(doc, before, after, scene.OpOptions{Author: user, Reverts: automerge.ChangeHash(h)})
			return res.Change, res.Changed, rerr
		})
		if err != nil {
			return layerWrite{}, fmt.Errorf("layer %s: %w", l.ID, err)
		}
		return layerWrite{
			Layer: l.ID, Change: changeString(res.Change, res.Changed), Created: orEmpty(res.Created),
			Deleted: orEmpty(res.Deleted), Updated: orEmpty(res.Updated), Conflicts: res.Conflicts,
		}, nil
	}
	return layerWrite{}, fmt.Errorf("change %s: %w in any layer of world %s", h, store.ErrNotFound, wd.ID)
}

// aroundChange returns a layer's state just before change c (at its
// deps) and just after it, through the layer cache: read from the layer's
// current replica when it is cached, as for the Ctrl+Z of a recent change.
func (s *Server) aroundChange(ctx context.Context, doc store.DocID, c store.Change) (before, after *scene.LayerState, err error) {
	deps := make([]crdt.Hash, len(c.Deps))
	for i, d := range c.Deps {
		deps[i] = crdt.Hash(d)
	}
	at := &pin{Ordinal: c.Ordinal - 1, Heads: deps}
	if len(deps) == 0 {
		at = &pin{} // the change began the document: before it, nothing
	}
	if before, err = s.layers.state(ctx, doc, at); err != nil {
		return nil, nil, err
	}
	after, err = s.layers.state(ctx, doc, &pin{Ordinal: c.Ordinal, Heads: []crdt.Hash{crdt.Hash(c.Hash)}})
	return before, after, err
}
