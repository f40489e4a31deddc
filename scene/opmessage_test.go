package scene

import (
	"reflect"
	"strings"
	"testing"
)

// TestOpMessageString pins the exact bytes of a few messages: the format
// is a wire format that other clients write too.
func TestOpMessageString(t *testing.T) {
	root, p := NodeID(""), NodeID("p")
	tests := []struct {
		name string
		m    OpMessage
		want string
	}{
		{"reparent", OpMessage{Op: OpReparent, Nodes: []NodeID{"n"}, Props: []string{"/parent", "/order"}, Parent: &p},
			`atelier/op:1 {"op":"reparent","nodes":["n"],"props":["/parent","/order"],"parent":"p"}`},
		{"create at root", OpMessage{Op: OpCreate, Nodes: []NodeID{"n"}, Props: []string{""}, Parent: &root, Author: "ana <a@x>"},
			`atelier/op:1 {"op":"create","nodes":["n"],"props":[""],"parent":"","author":"ana <a@x>"}`},
		{"nil lists", OpMessage{Op: OpDelete},
			`atelier/op:1 {"op":"delete","nodes":[],"props":[]}`},
		{"line break escaped", OpMessage{Op: OpSetProperty, Nodes: []NodeID{"a\nb"}, Props: []string{"/name"}},
			`atelier/op:1 {"op":"setProperty","nodes":["a\nb"],"props":["/name"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.String(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseOpMessageRoundTrip(t *testing.T) {
	p := NodeID("00000000-0000-4000-8000-000000000001")
	msgs := []OpMessage{
		{Op: OpMoveOut, Nodes: []NodeID{"a", "b"}, Props: []string{""}, Link: "l", LinkChange: "ff", FromLayer: "x", ToLayer: "y"},
		{Op: OpDuplicate, Nodes: []NodeID{"c"}, Props: []string{""}, Parent: &p, Sources: []NodeID{"a"}, Rekeyed: []NodeID{"z"}},
		{Op: "futureOp", Nodes: []NodeID{}, Props: []string{"/components/a~1b/c~0d"}},
	}
	for _, m := range msgs {
		t.Run(m.Op, func(t *testing.T) {
			got, ok := ParseOpMessage(m.String())
			m.Version = OpMessageVersion
			if !ok || !reflect.DeepEqual(got, m) {
				t.Fatalf("parsed %+v, %v; want %+v", got, ok, m)
			}
		})
	}
	// Other writers may order fields differently and add unknown ones.
	got, ok := ParseOpMessage(`atelier/op:1 {"props":["/name"],"extra":{"x":1},"nodes":["n"],"op":"setProperty"}`)
	if !ok || got.Op != OpSetProperty || got.Nodes[0] != "n" {
		t.Fatalf("parsed %+v, %v", got, ok)
	}
}

func TestParseOpMessageRejects(t *testing.T) {
	for _, msg := range []string{
		"",
		"atelier: create layer",
		"move",
		`atelier/op:2 {"op":"create","nodes":[],"props":[]}`,
		`atelier/op:01 {"op":"create"}`,
		`atelier/op:1{"op":"create"}`,
		`atelier/op:1 {"op":""}`,
		`atelier/op:1 {"nodes":["a"]}`,
		`atelier/op:1 null`,
		`atelier/op:1 ["op"]`,
		`atelier/op:1 {"op":"create"} trailing`,
		`atelier/op:1 {"op":"create"}{"op":"x"}`,
		"atelier/op:1 {\"op\":\n\"create\"}",
		`atelier/op:1 {"op":7}`,
		`atelier/op:1 {"op":"create","nodes":"a"}`,
		"atelier/op:1 {\"op\":\"\xff\"}",
	} {
		t.Run(msg, func(t *testing.T) {
			if m, ok := ParseOpMessage(msg); ok {
				t.Fatalf("accepted as %+v", m)
			}
		})
	}
}

// FuzzParseOpMessage: parsing never panics, and whatever parses re-encodes
// to a message that parses to the same value.
func FuzzParseOpMessage(f *testing.F) {
	f.Add(`atelier/op:1 {"op":"reparent","nodes":["n"],"props":["/parent","/order"],"parent":"p"}`)
	f.Add(`atelier/op:1 {"op":"x","nodes":null,"rekeyed":["a"],"author":"\u00e9"}`)
	f.Add("atelier: create layer")
	f.Fuzz(func(t *testing.T, msg string) {
		m, ok := ParseOpMessage(msg)
		if !ok {
			return
		}
		again, ok := ParseOpMessage(m.String())
		if !ok || strings.ContainsAny(m.String(), "\r\n") {
			t.Fatalf("re-encoded %q does not parse", m.String())
		}
		normalizeLists(&m)
		normalizeLists(&again)
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip changed %+v into %+v", m, again)
		}
	})
}

// normalizeLists maps nil Nodes and Props to empty, as String writes them.
func normalizeLists(m *OpMessage) {
	if m.Nodes == nil {
		m.Nodes = []NodeID{}
	}
	if m.Props == nil {
		m.Props = []string{}
	}
}

func TestPointer(t *testing.T) {
	tests := []struct {
		tokens []string
		want   string
	}{
		{nil, ""},
		{[]string{"name"}, "/name"},
		{[]string{"components", "a/b", "~c"}, "/components/a~1b/~0c"},
		{[]string{"components", "~1"}, "/components/~01"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := pointer(tt.tokens...); got != tt.want {
				t.Fatalf("pointer(%q) = %q, want %q", tt.tokens, got, tt.want)
			}
		})
	}
}
