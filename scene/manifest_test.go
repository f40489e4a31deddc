package scene

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/automerge/automerge-go"
)

const (
	layer1 = "11111111-1111-4111-8111-111111111111"
	layer2 = "22222222-2222-4222-8222-222222222222"
	layer3 = "33333333-3333-4333-8333-333333333333"
)

func TestManifestRoundTrip(t *testing.T) {
	layers := []ManifestLayer{
		{ID: layer3, Name: "Lights", URL: "automerge:3xyz", Order: "a0"},
		{ID: layer1, Name: "Terrain", URL: "automerge:1abc", Order: "a1"},
		{ID: layer2, Name: "Props", URL: "automerge:2def", Order: "a0"},
	}
	doc, err := NewManifestDoc("Harbour", layers)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{Schema: ManifestSchema, Name: "Harbour", Layers: []ManifestLayer{layers[2], layers[0], layers[1]}}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %+v\nwant %+v", m, want)
	}
	changes, err := doc.Changes()
	if err != nil || len(changes) != 1 || changes[0].Message() != ManifestCreateMessage {
		t.Fatalf("changes %v, err %v", changes, err)
	}
}

func TestReadManifestLenient(t *testing.T) {
	doc := automerge.New()
	root := doc.RootMap()
	must(t, root.Set("schema", automerge.NewText(ManifestSchema)))
	must(t, root.Set("name", automerge.NewText("World")))
	layers := automerge.NewMap()
	must(t, root.Set("layers", layers))
	must(t, layers.Set(layer1, map[string]any{"name": automerge.NewText("L1"), "url": automerge.NewText("automerge:a"), "order": "a0"}))
	must(t, layers.Set(layer2, map[string]any{"name": int64(3), "url": "automerge:b"}))
	must(t, layers.Set(layer3, "junk"))
	if _, err := doc.Commit("js-style"); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(doc)
	if err != nil {
		t.Fatal(err)
	}
	wantLayers := []ManifestLayer{
		{ID: layer2, URL: "automerge:b"}, // order "" sorts first
		{ID: layer3},
		{ID: layer1, Name: "L1", URL: "automerge:a", Order: "a0"},
	}
	if m.Name != "World" || m.Schema != ManifestSchema || !reflect.DeepEqual(m.Layers, wantLayers) {
		t.Fatalf("got %+v", m)
	}
	wantWarnings := []string{"layers." + layer2 + ".name: got number", "layers." + layer2 + ".order: missing", "layers." + layer3 + ": got string"}
	if len(m.Warnings) != len(wantWarnings) {
		t.Fatalf("warnings = %q", m.Warnings)
	}
	for i, w := range wantWarnings {
		if !strings.HasPrefix(m.Warnings[i], w) {
			t.Errorf("warning %d = %q, want prefix %q", i, m.Warnings[i], w)
		}
	}
}

func TestReadManifestErrors(t *testing.T) {
	layer := newLayer(t)
	future := automerge.New()
	must(t, future.RootMap().Set("schema", "atelier.world/2"))
	noSchema := automerge.New()
	must(t, noSchema.RootMap().Set("layers", map[string]any{}))
	tests := []struct {
		name    string
		doc     *automerge.Doc
		wantErr error
	}{
		{"nil", nil, ErrNotManifest},
		{"empty", automerge.New(), ErrNotManifest},
		{"layer document", layer, ErrNotManifest},
		{"future schema", future, ErrUnsupportedSchema},
		{"no schema but layers", noSchema, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadManifest(tt.doc)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewManifestDocRejects(t *testing.T) {
	ok := ManifestLayer{ID: layer1, Name: "L", URL: "automerge:abc", Order: "a0"}
	tests := []struct {
		name   string
		world  string
		layers []ManifestLayer
	}{
		{"bad id", "w", []ManifestLayer{{ID: "x", URL: "automerge:a"}}},
		{"duplicate id", "w", []ManifestLayer{ok, ok}},
		{"url without prefix", "w", []ManifestLayer{{ID: layer1, URL: "http://x"}}},
		{"url without doc id", "w", []ManifestLayer{{ID: layer1, URL: URLPrefix}}},
		{"invalid UTF-8 name", "\xff", nil},
		{"invalid UTF-8 layer", "w", []ManifestLayer{{ID: layer1, URL: "automerge:a", Name: "\xfe"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewManifestDoc(tt.world, tt.layers); !errors.Is(err, ErrInvalidManifest) {
				t.Fatalf("err = %v, want ErrInvalidManifest", err)
			}
		})
	}
}
