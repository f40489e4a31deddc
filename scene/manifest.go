package scene

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// ManifestCreateMessage is the commit message of the change NewManifestDoc
// makes.
const ManifestCreateMessage = "atelier: create world manifest"

// URLPrefix starts every automerge-repo document URL ("automerge:<docid>").
const URLPrefix = "automerge:"

var manifestRule = schemaRule{
	want: ManifestSchema, family: "atelier.world/", container: "layers", notIt: ErrNotManifest,
}

// Manifest is the plain state of a world's manifest document. Layers are in
// display order: by Order (byte-wise), then by ID. Warnings lists every
// missing or mistyped field that was replaced by its default ("").
type Manifest struct {
	Schema   string          `json:"schema"`
	Name     string          `json:"name"`
	Layers   []ManifestLayer `json:"layers"`
	Warnings []string        `json:"warnings,omitempty"`
}

// ManifestLayer is one entry of the manifest's `layers` map: the layer's id
// (a UUID, the map key), its display name, the automerge URL of its layer
// document ("automerge:<docid>") and its fractional-index order.
type ManifestLayer struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	URL   string `json:"url"`
	Order string `json:"order"`
}

// ReadManifest materializes a manifest document. Like ReadLayer it accepts
// scalar strings and Text objects, gives missing or mistyped fields the
// default "" with a warning, keeps a layer entry that is not a map (with
// defaults), and fails only if the document is not a manifest at all:
// ErrNotManifest (nil, empty, another schema, or no schema and no `layers`
// map) or ErrUnsupportedSchema (another atelier.world/ version).
func ReadManifest(doc *automerge.Doc) (*Manifest, error) {
	if doc == nil {
		return nil, fmt.Errorf("%w: nil document", ErrNotManifest)
	}
	root, err := plainRoot(doc, "schema", "name", "layers")
	if err != nil {
		return nil, err
	}
	return decodeManifest(root)
}

func decodeManifest(root map[string]any) (*Manifest, error) {
	schema, warnings, err := checkSchema(root, manifestRule)
	if err != nil {
		return nil, err
	}
	r := nodeReader{warnings: warnings}
	m := &Manifest{Schema: schema, Name: r.str(root, "name", ""), Layers: []ManifestLayer{}}
	raw, _ := r.submap(root, "layers", "layers")
	for _, id := range sortedKeys(raw) {
		v := raw[id]
		r.prefix = "layers." + id + "."
		l := ManifestLayer{ID: id}
		if lm, ok := v.(map[string]any); ok {
			l.Name, l.URL, l.Order = r.str(lm, "name", ""), r.str(lm, "url", ""), r.str(lm, "order", "")
		} else {
			r.warnf("layers.%s: got %s, want map; using defaults", id, typeName(v))
		}
		m.Layers = append(m.Layers, l)
	}
	slices.SortFunc(m.Layers, func(a, b ManifestLayer) int {
		return cmp.Or(strings.Compare(a.Order, b.Order), strings.Compare(a.ID, b.ID))
	})
	m.Warnings = r.done()
	return m, nil
}

// NewManifestDoc returns a new manifest document holding the schema
// (ManifestSchema), the world's name and one `layers` entry per layer, each
// a map {name, url, order} created in the same change. Strings are scalar
// strings. The change is committed with message ManifestCreateMessage.
//
// Layer ids must be distinct canonical lowercase UUIDs and URLs must start
// with URLPrefix; otherwise it returns ErrInvalidManifest.
func NewManifestDoc(name string, layers []ManifestLayer) (*automerge.Doc, error) {
	if err := validateManifest(name, layers); err != nil {
		return nil, err
	}
	doc := automerge.New()
	if err := writeManifest(doc.RootMap(), name, layers); err != nil {
		return nil, fmt.Errorf("scene: new manifest: %w", err)
	}
	if _, err := doc.Commit(ManifestCreateMessage); err != nil {
		return nil, fmt.Errorf("scene: new manifest: %w", err)
	}
	return doc, nil
}

func validateManifest(name string, layers []ManifestLayer) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: name is invalid UTF-8", ErrInvalidManifest)
	}
	seen := make(map[string]bool, len(layers))
	for _, l := range layers {
		switch {
		case !isCanonicalUUID(l.ID):
			return fmt.Errorf("%w: layer id %q is not a canonical lowercase UUID", ErrInvalidManifest, l.ID)
		case seen[l.ID]:
			return fmt.Errorf("%w: duplicate layer id %s", ErrInvalidManifest, l.ID)
		case !strings.HasPrefix(l.URL, URLPrefix) || len(l.URL) == len(URLPrefix):
			return fmt.Errorf("%w: layer %s: url %q is not %s<docid>", ErrInvalidManifest, l.ID, l.URL, URLPrefix)
		case !utf8.ValidString(l.Name) || !utf8.ValidString(l.URL) || !utf8.ValidString(l.Order):
			return fmt.Errorf("%w: layer %s: invalid UTF-8", ErrInvalidManifest, l.ID)
		}
		seen[l.ID] = true
	}
	return nil
}

func writeManifest(root *automerge.Map, name string, layers []ManifestLayer) error {
	if err := root.Set("schema", ManifestSchema); err != nil {
		return err
	}
	if err := root.Set("name", name); err != nil {
		return err
	}
	lm := automerge.NewMap()
	if err := root.Set("layers", lm); err != nil {
		return err
	}
	for _, l := range layers {
		m := automerge.NewMap()
		if err := lm.Set(l.ID, m); err != nil {
			return err
		}
		for _, kv := range [][2]string{{"name", l.Name}, {"url", l.URL}, {"order", l.Order}} {
			if err := m.Set(kv[0], kv[1]); err != nil {
				return err
			}
		}
	}
	return nil
}
