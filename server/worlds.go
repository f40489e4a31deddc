package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
	"github.com/google/uuid"

	"atelier/crdt"
	"atelier/scene"
	"atelier/server/auth"
	"atelier/server/wire"
	"atelier/store"
)

// maxNameLen bounds world and layer names (in characters).
const maxNameLen = 200

// worldJSON is a world as the API shows it.
type worldJSON struct {
	ID        store.WorldID `json:"id"`
	Name      string        `json:"name"`
	URL       string        `json:"url"`
	Layers    []layerJSON   `json:"layers"`
	CreatedAt time.Time     `json:"createdAt"`
	CreatedBy string        `json:"createdBy,omitempty"`
	Role      auth.Role     `json:"role,omitempty"`
}

type layerJSON struct {
	ID   store.LayerID `json:"id"`
	Name string        `json:"name"`
	URL  string        `json:"url"`
}

func toWorldJSON(w store.World, role auth.Role) worldJSON {
	out := worldJSON{ID: w.ID, Name: w.Name, URL: wire.DocURL(w.Manifest), CreatedAt: w.CreatedAt, CreatedBy: w.CreatedBy, Role: role, Layers: []layerJSON{}}
	for _, l := range w.Layers {
		out.Layers = append(out.Layers, layerJSON{ID: l.ID, Name: l.Name, URL: wire.DocURL(l.Doc)})
	}
	return out
}

type createWorldRequest struct {
	Name string `json:"name"`
}

// createWorld handles POST /api/worlds: a manifest and one layer ("Main"),
// written with their first changes in one transaction.
func (s *Server) createWorld(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.All.CanEdit() {
		s.writeError(w, fmt.Errorf("%w: creating a world needs the editor or owner role on all worlds", ErrForbidden))
		return
	}
	var req createWorldRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, err)
		return
	}
	name, err := cleanName(req.Name)
	if err != nil {
		s.writeError(w, err)
		return
	}
	world, docs, err := newWorld(name, p.User)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if err := s.st.CreateWorld(r.Context(), world, docs); err != nil {
		s.writeError(w, err)
		return
	}
	s.created(docs)
	s.log.Info("world created", "world", world.ID, "name", name, "user", p.User)
	writeJSON(w, http.StatusCreated, toWorldJSON(world, p.Role(world.ID)))
}

// newWorld builds a world's rows and documents: the manifest and a layer "Main".
func newWorld(name, user string) (store.World, []store.NewDocument, error) {
	world := store.World{
		ID: store.WorldID(uuid.NewString()), Name: name, Manifest: wire.NewDocID(),
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond), CreatedBy: user,
	}
	layer := store.Layer{ID: store.LayerID(uuid.NewString()), World: world.ID, Name: "Main", Doc: wire.NewDocID()}
	world.Layers = []store.Layer{layer}
	layerDoc, err := scene.NewLayerDoc()
	if err != nil {
		return world, nil, err
	}
	manifest, err := scene.NewManifestDoc(name, []scene.ManifestLayer{
		{ID: string(layer.ID), Name: layer.Name, URL: wire.DocURL(layer.Doc), Order: "a0"},
	})
	if err != nil {
		return world, nil, err
	}
	mchs, err := crdt.InitialChanges(manifest, world.Manifest, user)
	if err != nil {
		return world, nil, err
	}
	lchs, err := crdt.InitialChanges(layerDoc, layer.Doc, user)
	if err != nil {
		return world, nil, err
	}
	docs := []store.NewDocument{
		store.NewDocument{Document: store.Document{ID: world.Manifest, World: world.ID, Kind: store.KindManifest}, Changes: mchs},
		store.NewDocument{Document: store.Document{ID: layer.Doc, World: world.ID, Kind: store.KindLayer}, Changes: lchs},
	}
	return world, docs, nil
}

func cleanName(s string) (string, error) {
	name := strings.TrimSpace(s)
	switch {
	case name == "":
		return "", fmt.Errorf("%w: name is required", ErrBadRequest)
	case utf8.RuneCountInString(name) > maxNameLen:
		return "", fmt.Errorf("%w: name is longer than %d characters", ErrBadRequest, maxNameLen)
	}
	return name, nil
}

// listWorlds handles GET /api/worlds: the worlds the principal may see.
func (s *Server) listWorlds(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	worlds, err := s.st.ListWorlds(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := []worldJSON{}
	for _, wd := range worlds {
		if role := p.Role(wd.ID); role != "" {
			out = append(out, toWorldJSON(wd, role))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"worlds": out})
}

// world loads the world named in the path, checking the principal may see it.
func (s *Server) world(r *http.Request, p auth.Principal) (store.World, error) {
	id := r.PathValue("id")
	if _, err := uuid.Parse(id); err != nil {
		return store.World{}, fmt.Errorf("%w: world %q not found", store.ErrNotFound, id)
	}
	wd, err := s.st.GetWorld(r.Context(), store.WorldID(id))
	if err != nil {
		return wd, fmt.Errorf("world %s: %w", id, err)
	}
	if p.Role(wd.ID) == "" {
		// Do not reveal that the world exists.
		return wd, fmt.Errorf("world %s: %w", id, store.ErrNotFound)
	}
	return wd, nil
}

// getWorld handles GET /api/worlds/{id}.
func (s *Server) getWorld(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.world(r, p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toWorldJSON(wd, p.Role(wd.ID)))
}

type renameWorldRequest struct {
	Name string `json:"name"`
}

// renameWorld handles PATCH /api/worlds/{id} {"name"}: the new name goes
// to the world's manifest document first (one change through the engine,
// attributed to the user and sent to every peer of the manifest), then to
// the store's world row that the API lists. If the second write fails the
// manifest already has the name; repeating the request completes it.
// Editors and owners only.
func (s *Server) renameWorld(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.editor(r, p)
	var req renameWorldRequest
	if err == nil {
		err = decodeJSON(r, &req)
	}
	var name string
	if err == nil {
		name, err = cleanName(req.Name)
	}
	if err == nil {
		err = s.hub.Edit(r.Context(), wd.Manifest, p.User, func(doc *automerge.Doc) (automerge.ChangeHash, bool, error) {
			h, err := scene.RenameWorld(doc, name, scene.OpOptions{Author: p.User})
			return h, err == nil, err
		})
	}
	if err == nil {
		err = s.st.RenameWorld(r.Context(), wd.ID, name)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.log.Info("world renamed", "world", wd.ID, "from", wd.Name, "to", name, "user", p.User)
	wd.Name = name
	writeJSON(w, http.StatusOK, toWorldJSON(wd, p.Role(wd.ID)))
}

// sceneLayerJSON is one layer of GET /api/worlds/{id}/scene.
type sceneLayerJSON struct {
	layerJSON
	Tree     *scene.Tree `json:"tree"`
	Warnings []string    `json:"warnings,omitempty"`
}

// getScene handles GET /api/worlds/{id}/scene[?at=VERSION]: every layer's
// resolved tree, as committed now or as it was at VERSION (a named
// version, a change hash or an RFC 3339 time).
func (s *Server) getScene(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	wd, err := s.world(r, p)
	var pins map[store.DocID]pin
	if at := r.URL.Query().Get("at"); err == nil && r.URL.Query().Has("at") {
		pins, err = s.resolveVersion(r.Context(), wd, at)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := struct {
		World  worldJSON        `json:"world"`
		At     string           `json:"at,omitempty"`
		Layers []sceneLayerJSON `json:"layers"`
	}{World: toWorldJSON(wd, p.Role(wd.ID)), At: r.URL.Query().Get("at"), Layers: []sceneLayerJSON{}}
	for _, l := range wd.Layers {
		if pin, ok := pins[l.Doc]; ok && pin.Ordinal == 0 {
			continue // the layer did not exist yet
		}
		tree, state, err := s.layers.tree(r.Context(), l.Doc, pinOf(pins, l.Doc))
		if err != nil {
			s.writeError(w, fmt.Errorf("layer %s: %w", l.ID, err))
			return
		}
		out.Layers = append(out.Layers, sceneLayerJSON{
			layerJSON: layerJSON{ID: l.ID, Name: l.Name, URL: wire.DocURL(l.Doc)},
			Tree:      tree, Warnings: state.Warnings,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// authed wraps a handler with authentication.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.auth.Authenticate(r)
		if err != nil {
			s.writeError(w, err)
			return
		}
		h(w, r, p)
	}
}

// decodeJSON reads a JSON body of at most 1 MiB into v, refusing unknown fields.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: body: %w", ErrBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: body holds more than one JSON value", ErrBadRequest)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // compact: a 10k-node scene is megabytes; pipe through jq to read
}

// writeError answers with the status errorMap gives err and {"error": message}.
// Internal errors are logged and not shown.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	status := statusOf(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		s.log.Error("internal error", "err", err)
		msg = "internal error"
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		status, msg = http.StatusRequestEntityTooLarge, "body larger than 1 MiB"
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="atelier"`)
	}
	writeJSON(w, status, map[string]string{"error": msg})
}
