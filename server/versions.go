package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/automerge/automerge-go"

	"atelier/crdt"
	"atelier/crdt/format"
	"atelier/scene"
	"atelier/server/auth"
	"atelier/store"
)

// pin is where one document of a world stands at a version: the prefix of
// its log up to Ordinal, and, when Heads is set, only their ancestors.
type pin struct {
	Ordinal int64
	Heads   []crdt.Hash
}

// worldDocs returns every document of a world: its manifest and its layers.
func worldDocs(w store.World) []store.DocID {
	docs := []store.DocID{w.Manifest}
	for _, l := range w.Layers {
		docs = append(docs, l.Doc)
	}
	return docs
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// resolveVersion turns VERSION (a named version, a change hash, or an RFC
// 3339 time) into a pin per document of the world. A change hash pins its
// own document exactly at that change and the others as they were when it
// arrived. Unknown versions are ErrNotFound.
func (s *Server) resolveVersion(ctx context.Context, w store.World, at string) (map[store.DocID]pin, error) {
	switch {
	case at == "":
		return nil, fmt.Errorf("%w: empty version", ErrBadRequest)
	case hexHash.MatchString(strings.ToLower(at)):
		return s.pinHash(ctx, w, at)
	}
	if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
		return s.pinTime(ctx, w, t, nil)
	}
	v, err := s.st.GetVersion(ctx, w.ID, at)
	if err != nil {
		return nil, fmt.Errorf("version %q: %w", at, err)
	}
	pins := map[store.DocID]pin{}
	for _, d := range v.Docs {
		heads := make([]crdt.Hash, len(d.Heads))
		for i, h := range d.Heads {
			heads[i] = crdt.Hash(h)
		}
		pins[d.Doc] = pin{Ordinal: d.Ordinal, Heads: heads}
	}
	return pins, nil
}

func (s *Server) pinHash(ctx context.Context, w store.World, at string) (map[store.DocID]pin, error) {
	h, err := format.ParseHash(strings.ToLower(at))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	for _, doc := range worldDocs(w) {
		c, err := s.st.ChangeByHash(ctx, doc, store.ChangeHash(h))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		own := map[store.DocID]pin{doc: {Ordinal: c.Ordinal, Heads: []crdt.Hash{h}}}
		return s.pinTime(ctx, w, c.ReceivedAt, own)
	}
	return nil, fmt.Errorf("change %s: %w in world %s", at, store.ErrNotFound, w.ID)
}

// pinTime pins every document not in fixed as its log stood at t.
func (s *Server) pinTime(ctx context.Context, w store.World, t time.Time, fixed map[store.DocID]pin) (map[store.DocID]pin, error) {
	pins := map[store.DocID]pin{}
	for _, doc := range worldDocs(w) {
		if p, ok := fixed[doc]; ok {
			pins[doc] = p
			continue
		}
		o, err := s.st.OrdinalAt(ctx, doc, t)
		if err != nil {
			return nil, err
		}
		pins[doc] = pin{Ordinal: o}
	}
	return pins, nil
}

// materialize loads a document as pinned (or as committed now without a pin).
func (s *Server) materialize(ctx context.Context, doc store.DocID, pins map[store.DocID]pin) (*automerge.Doc, error) {
	p, ok := pins[doc]
	if !ok {
		return s.hub.Materialize(ctx, doc)
	}
	return s.hub.MaterializeAt(ctx, doc, p.Ordinal, p.Heads)
}

// readLayer reads a layer document as pinned, or as committed now without
// a pin, from the layer cache (replayed in Go, several times faster than
// materializing it with automerge-go). A layer that did not exist yet at
// its pin is empty. The state is shared: do not modify it.
func (s *Server) readLayer(ctx context.Context, doc store.DocID, pins map[store.DocID]pin) (*scene.LayerState, error) {
	return s.layers.state(ctx, doc, pinOf(pins, doc))
}

// pinOf returns doc's pin, or nil when it is not pinned (now).
func pinOf(pins map[store.DocID]pin, doc store.DocID) *pin {
	if p, ok := pins[doc]; ok {
		return &p
	}
	return nil
}

// versionJSON is a named version as the API shows it.
type versionJSON struct {
	Name      string           `json:"name"`
	CreatedAt time.Time        `json:"createdAt"`
	CreatedBy string           `json:"createdBy"`
	Docs      []versionDocJSON `json:"docs"`
}

type versionDocJSON struct {
	URL     string   `json:"url"`
	Heads   []string `json:"heads"`
	Ordinal int64    `json:"ordinal"`
}

func toVersionJSON(v store.Version) versionJSON {
	out := versionJSON{Name: v.Name, CreatedAt: v.CreatedAt, CreatedBy: v.CreatedBy, Docs: []versionDocJSON{}}
	for _, d := range v.Docs {
		heads := make([]string, len(d.Heads))
		for i, h := range d.Heads {
			heads[i] = h.String()
		}
		out.Docs = append(out.Docs, versionDocJSON{URL: "automerge:" + string(d.Doc), Heads: heads, Ordinal: d.Ordinal})
	}
	return out
}

type createVersionRequest struct {
	Name string `json:"name"`
}

// createVersion handles POST /api/worlds/{id}/versions: it pins the heads of
// every document of the world as committed now.
func (s *Server) createVersion(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.world(r, p)
	if err == nil && !p.Role(wd.ID).CanEdit() {
		err = fmt.Errorf("%w: naming a version needs the editor role", ErrForbidden)
	}
	var req createVersionRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	var name string
	if err == nil {
		name, err = cleanName(req.Name)
	}
	if err == nil && (hexHash.MatchString(strings.ToLower(name)) || isTime(name)) {
		err = fmt.Errorf("%w: a version name cannot look like a change hash or a time", ErrBadRequest)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	v := store.Version{World: wd.ID, Name: name, CreatedAt: time.Now().UTC().Truncate(time.Microsecond), CreatedBy: p.User}
	for _, doc := range worldDocs(wd) {
		heads, ordinal, err := s.hub.Heads(r.Context(), doc)
		if err != nil {
			s.writeError(w, err)
			return
		}
		hs := make([]store.ChangeHash, len(heads))
		for i, h := range heads {
			hs[i] = store.ChangeHash(h)
		}
		v.Docs = append(v.Docs, store.VersionDoc{Doc: doc, Heads: hs, Ordinal: ordinal})
	}
	if err := s.st.CreateVersion(r.Context(), v); err != nil {
		s.writeError(w, fmt.Errorf("version %q: %w", name, err))
		return
	}
	writeJSON(w, http.StatusCreated, toVersionJSON(v))
}

func isTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// listVersions handles GET /api/worlds/{id}/versions.
func (s *Server) listVersions(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.world(r, p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	vs, err := s.st.ListVersions(r.Context(), wd.ID)
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := []versionJSON{}
	for _, v := range vs {
		out = append(out, toVersionJSON(v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": out})
}

// getVersion handles GET /api/worlds/{id}/versions/{name}.
func (s *Server) getVersion(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.world(r, p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	v, err := s.st.GetVersion(r.Context(), wd.ID, r.PathValue("name"))
	if err != nil {
		s.writeError(w, fmt.Errorf("version %q: %w", r.PathValue("name"), err))
		return
	}
	writeJSON(w, http.StatusOK, toVersionJSON(v))
}
