package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/automerge/automerge-go"
	"github.com/google/uuid"

	"atelier/crdt"
	"atelier/scene"
	"atelier/server/auth"
	"atelier/server/wire"
	"atelier/store"
)

type createBranchRequest struct {
	Name string `json:"name"`
	From string `json:"from,omitempty"`
}

// branchJSON is a branch as the API shows it.
type branchJSON struct {
	worldJSON
	Parent   store.WorldID `json:"parent"`
	Branch   string        `json:"branch"`
	ForkedAt time.Time     `json:"forkedAt"`
}

func toBranchJSON(w store.World, role auth.Role) branchJSON {
	return branchJSON{worldJSON: toWorldJSON(w, role), Parent: w.Parent, Branch: w.Branch, ForkedAt: w.ForkedAt}
}

// createBranch handles POST /api/worlds/{id}/branches: a new world whose
// layers share the parent's history up to the version (default: now) and
// are edited independently from then on.
func (s *Server) createBranch(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.editor(r, p)
	var req createBranchRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	var name string
	if err == nil {
		name, err = cleanName(req.Name)
	}
	var pins map[store.DocID]pin
	if err == nil && req.From != "" {
		pins, err = s.resolveVersion(r.Context(), wd, req.From)
	}
	var branch store.World
	var docs []store.NewDocument
	if err == nil {
		branch, docs, err = s.forkWorld(r.Context(), wd, name, p.User, pins)
	}
	if err == nil {
		err = s.st.CreateWorld(r.Context(), branch, docs)
	}
	if err != nil {
		s.writeError(w, fmt.Errorf("branch %q: %w", req.Name, err))
		return
	}
	s.created(docs)
	writeJSON(w, http.StatusCreated, toBranchJSON(branch, p.Role(branch.ID)))
}

// forkWorld builds a branch of wd: every layer's changes up to its pin
// (the same changes, so the history is shared) in a new document, and a
// new manifest naming the branch's layers.
func (s *Server) forkWorld(ctx context.Context, wd store.World, name, user string, pins map[store.DocID]pin) (store.World, []store.NewDocument, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	b := store.World{ID: store.WorldID(uuid.NewString()), Name: wd.Name + " / " + name, Manifest: wire.NewDocID(),
		CreatedAt: now, CreatedBy: user, Parent: wd.ID, Branch: name, ForkedAt: now}
	var docs []store.NewDocument
	var ml []scene.ManifestLayer
	for i, l := range wd.Layers {
		doc, err := s.materialize(ctx, l.Doc, pins)
		if err != nil {
			return b, nil, err
		}
		nl := store.Layer{ID: store.LayerID(uuid.NewString()), World: b.ID, Name: l.Name, Doc: wire.NewDocID(), Position: i}
		chs, err := crdt.InitialChanges(doc, nl.Doc, user)
		if err != nil {
			return b, nil, err
		}
		b.Layers = append(b.Layers, nl)
		docs = append(docs, store.NewDocument{Document: store.Document{ID: nl.Doc, World: b.ID, Kind: store.KindLayer}, Changes: chs})
		ml = append(ml, scene.ManifestLayer{ID: string(nl.ID), Name: nl.Name, URL: wire.DocURL(nl.Doc), Order: fmt.Sprintf("a%d", i)})
	}
	manifest, err := scene.NewManifestDoc(b.Name, ml)
	if err != nil {
		return b, nil, err
	}
	mchs, err := crdt.InitialChanges(manifest, b.Manifest, user)
	if err != nil {
		return b, nil, err
	}
	docs = append(docs, store.NewDocument{Document: store.Document{ID: b.Manifest, World: b.ID, Kind: store.KindManifest}, Changes: mchs})
	return b, docs, nil
}

// listBranches handles GET /api/worlds/{id}/branches.
func (s *Server) listBranches(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.world(r, p)
	var bs []store.World
	if err == nil {
		bs, err = s.st.ListBranches(r.Context(), wd.ID)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := []branchJSON{}
	for _, b := range bs {
		out = append(out, toBranchJSON(b, p.Role(b.ID)))
	}
	writeJSON(w, http.StatusOK, map[string]any{"branches": out})
}

// layerMerge is one target layer and what merging its branch layer adds.
type layerMerge struct {
	target  store.Layer
	doc     *automerge.Doc // the target as committed now
	merged  *automerge.Doc // the target with the branch merged in
	changes [][]byte       // the branch's changes the target lacks, in dependency order
}

// planMerge pairs the branch's layers with the target's (a pair shares its
// first change: the branch was forked from it) and merges each in memory.
func (s *Server) planMerge(ctx context.Context, target, branch store.World) ([]layerMerge, error) {
	var out []layerMerge
	for _, bl := range branch.Layers {
		tl, ok, err := s.forkedFrom(ctx, target, bl)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // a layer added on the branch: not merged (yet)
		}
		tdoc, err := s.hub.Materialize(ctx, tl.Doc)
		if err != nil {
			return nil, err
		}
		bdoc, err := s.hub.Materialize(ctx, bl.Doc)
		if err != nil {
			return nil, err
		}
		merged, err := tdoc.Fork()
		if err != nil {
			return nil, err
		}
		if _, err := merged.Merge(bdoc); err != nil {
			return nil, err
		}
		chs, err := merged.Changes(tdoc.Heads()...)
		if err != nil {
			return nil, err
		}
		lm := layerMerge{target: tl, doc: tdoc, merged: merged}
		for _, c := range chs {
			lm.changes = append(lm.changes, c.Save())
		}
		out = append(out, lm)
	}
	return out, nil
}

// forkedFrom finds the target layer a branch layer was forked from.
func (s *Server) forkedFrom(ctx context.Context, target store.World, bl store.Layer) (store.Layer, bool, error) {
	first, err := s.st.Changes(ctx, bl.Doc, 1, 1)
	if err != nil || len(first) == 0 {
		return store.Layer{}, false, err
	}
	for _, tl := range target.Layers {
		if _, err := s.st.ChangeByHash(ctx, tl.Doc, first[0].Hash); err == nil {
			return tl, true, nil
		}
	}
	return store.Layer{}, false, nil
}

// branchOf loads the branch in the path and checks it branches from wd.
func (s *Server) branchOf(r *http.Request, p auth.Principal, wd store.World) (store.World, error) {
	id := r.PathValue("branch")
	if id == string(wd.ID) {
		return store.World{}, fmt.Errorf("%w: a world cannot be merged into itself", ErrBadRequest)
	}
	if _, err := uuid.Parse(id); err != nil {
		return store.World{}, fmt.Errorf("branch %q: %w", id, store.ErrNotFound)
	}
	b, err := s.st.GetWorld(r.Context(), store.WorldID(id))
	if err != nil || p.Role(b.ID) == "" {
		return store.World{}, fmt.Errorf("branch %s: %w", id, store.ErrNotFound)
	}
	if b.Parent != wd.ID {
		return store.World{}, fmt.Errorf("%w: %s is not a branch of %s", ErrBadRequest, id, wd.ID)
	}
	return b, nil
}

// mergePreview handles GET /api/worlds/{id}/branches/{branch}/merge-preview:
// the diff the merge would make to each layer of the world.
func (s *Server) mergePreview(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.world(r, p)
	var b store.World
	if err == nil {
		b, err = s.branchOf(r, p, wd)
	}
	var plan []layerMerge
	if err == nil {
		plan, err = s.planMerge(r.Context(), wd, b)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := []layerDiffJSON{}
	for _, lm := range plan {
		before, err1 := readTree(lm.doc)
		after, err2 := readTree(lm.merged)
		if err1 != nil || err2 != nil {
			s.writeError(w, fmt.Errorf("layer %s: %w", lm.target.ID, firstErr(err1, err2)))
			return
		}
		out = append(out, layerDiffJSON{ID: lm.target.ID, Name: lm.target.Name, Diff: scene.Diff(before, after)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"branch": b.ID, "layers": out})
}

// mergeBranch handles POST /api/worlds/{id}/branches/{branch}/merge: a CRDT
// merge. The branch's changes the world lacks are submitted to it (they are
// the branch's own changes, attributed as delivered by the merging user),
// so concurrent edits on both sides survive and the tree rules apply.
func (s *Server) mergeBranch(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.editor(r, p)
	var b store.World
	if err == nil {
		b, err = s.branchOf(r, p, wd)
	}
	var plan []layerMerge
	if err == nil {
		plan, err = s.planMerge(r.Context(), wd, b)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	type merged struct {
		Layer   store.LayerID `json:"layer"`
		Changes int           `json:"changes"`
	}
	out := []merged{}
	for _, lm := range plan {
		if err := s.hub.Submit(r.Context(), lm.target.Doc, p.User, lm.changes); err != nil {
			s.writeError(w, fmt.Errorf("layer %s: %w", lm.target.ID, err))
			return
		}
		out = append(out, merged{Layer: lm.target.ID, Changes: len(lm.changes)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"branch": b.ID, "layers": out})
}

func readTree(d *automerge.Doc) (*scene.Tree, error) {
	st, err := scene.ReadLayer(d)
	if err != nil {
		return nil, err
	}
	return scene.Resolve(st), nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
