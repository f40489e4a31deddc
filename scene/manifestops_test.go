package scene

import (
	"errors"
	"reflect"
	"testing"

	"github.com/automerge/automerge-go"
)

func TestRenameWorld(t *testing.T) {
	layers := []ManifestLayer{{ID: layer1, Name: "Main", URL: "automerge:1abc", Order: "a0"}}
	doc, err := NewManifestDoc("Harbor", layers)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Harbour ⚓", "Harbour ⚓"} { // the second is a no-op: an empty change
		h, err := RenameWorld(doc, name, OpOptions{Author: "ana"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(doc)
		if err != nil || m.Name != name || !reflect.DeepEqual(m.Layers, layers) {
			t.Fatalf("manifest %+v, %v", m, err)
		}
		ch, err := doc.Change(h)
		if err != nil {
			t.Fatal(err)
		}
		want := `atelier/op:1 {"op":"renameWorld","nodes":[],"props":["/name"],"author":"ana"}`
		if ch.Message() != want {
			t.Fatalf("message %q, want %q", ch.Message(), want)
		}
	}
	if v, err := doc.RootMap().Get("name"); err != nil || v.Kind() != automerge.KindStr {
		t.Fatalf("name is %v (%v), want a scalar string", v.Kind(), err)
	}
}

// Two replicas renaming concurrently end up with one of the two names,
// never a mix of both.
func TestRenameWorldConcurrent(t *testing.T) {
	a, err := NewManifestDoc("Harbor", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RenameWorld(a, "North", OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := RenameWorld(b, "South", OpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(a)
	if err != nil || (m.Name != "North" && m.Name != "South") {
		t.Fatalf("merged name %q (%v)", m.Name, err)
	}
}

func TestRenameWorldErrors(t *testing.T) {
	layer, err := NewLayerDoc()
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := NewManifestDoc("Harbor", nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		doc  *automerge.Doc
		to   string
		opt  OpOptions
		want error
	}{
		{"a layer", layer, "x", OpOptions{}, ErrNotManifest},
		{"an empty document", automerge.New(), "x", OpOptions{}, ErrNotManifest},
		{"nil", nil, "x", OpOptions{}, ErrNotManifest},
		{"bad name", manifest, "\xff", OpOptions{}, ErrInvalidValue},
		{"bad author", manifest, "x", OpOptions{Author: "\xff"}, ErrInvalidValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before []automerge.ChangeHash
			if tc.doc != nil {
				before = tc.doc.Heads()
			}
			if _, err := RenameWorld(tc.doc, tc.to, tc.opt); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.doc != nil && !reflect.DeepEqual(tc.doc.Heads(), before) {
				t.Fatal("a change was written")
			}
		})
	}
}
