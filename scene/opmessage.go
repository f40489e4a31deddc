package scene

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// OpMessagePrefix starts the commit message of every change a scene
// operation makes: the prefix, the version (OpMessageVersion), one space,
// and a JSON object (OpMessage) on the same line. docs/scene-schema.md,
// "Operations and commit messages", is the full grammar.
const OpMessagePrefix = "atelier/op:"

// OpMessageVersion is the version of the commit-message format this
// package writes and reads. A later version is one that an older reader
// cannot interpret; ParseOpMessage reports it as not an operation.
const OpMessageVersion = 1

// Operation names, the "op" field of an OpMessage.
const (
	// OpCreate is CreateNode: one new node.
	OpCreate = "create"
	// OpDelete is DeleteSubtree: a node and its resolved descendants deleted.
	OpDelete = "delete"
	// OpReparent is Reparent: parent and order of one node set.
	OpReparent = "reparent"
	// OpReorder is Reorder: order of one node set.
	OpReorder = "reorder"
	// OpSetProperty is SetProperty: name, kind or asset of one node set.
	OpSetProperty = "setProperty"
	// OpSetTransform is SetTransformElement: one transform element set.
	OpSetTransform = "setTransform"
	// OpAddComponent is AddComponent: one component map created.
	OpAddComponent = "addComponent"
	// OpRemoveComponent is RemoveComponent: one component deleted.
	OpRemoveComponent = "removeComponent"
	// OpSetComponentProperty is SetComponentProperty: one component field set.
	OpSetComponentProperty = "setComponentProperty"
	// OpDuplicate is DuplicateSubtree: copies of a subtree created.
	OpDuplicate = "duplicate"
	// OpMoveIn is the destination half of MoveSubtree: nodes created.
	OpMoveIn = "moveIn"
	// OpMoveOut is the source half of MoveSubtree: nodes deleted.
	OpMoveOut = "moveOut"
)

// OpMessage is the structured description of one scene operation, carried
// as JSON in the commit message of the change the operation makes. Any
// client (Go, TypeScript, a plugin) that writes the same kind of change
// should write the same kind of message.
//
// Props lists the properties written on every node in Nodes, as RFC 6901
// JSON Pointers relative to the node map ("/name", "/transform/t/0",
// "/components/light/intensity"); the empty pointer "" is the whole node
// (created or deleted). Rekeyed lists siblings whose "/order" alone was
// rewritten to make room. Parent is set (possibly to "", the layer root)
// exactly for operations that place a node: create, reparent, duplicate,
// moveIn. Sources is parallel to Nodes for duplicate (Sources[i] was copied
// to Nodes[i]). Link, LinkChange, FromLayer and ToLayer tie the two halves
// of a move together. Unknown JSON fields are ignored when parsing.
type OpMessage struct {
	Version    int      `json:"-"`
	Op         string   `json:"op"`
	Nodes      []NodeID `json:"nodes"`
	Props      []string `json:"props"`
	Parent     *NodeID  `json:"parent,omitempty"`
	Rekeyed    []NodeID `json:"rekeyed,omitempty"`
	Sources    []NodeID `json:"sources,omitempty"`
	Link       string   `json:"link,omitempty"`
	LinkChange string   `json:"linkChange,omitempty"`
	FromLayer  string   `json:"fromLayer,omitempty"`
	ToLayer    string   `json:"toLayer,omitempty"`
	Author     string   `json:"author,omitempty"`
}

// String returns the commit message: OpMessagePrefix, the version (m's, or
// OpMessageVersion if unset), a space and m as one-line JSON without HTML
// escaping. Nil Nodes and Props are written as [].
func (m OpMessage) String() string {
	v := m.Version
	if v == 0 {
		v = OpMessageVersion
	}
	if m.Nodes == nil {
		m.Nodes = []NodeID{}
	}
	if m.Props == nil {
		m.Props = []string{}
	}
	var buf bytes.Buffer
	buf.WriteString(OpMessagePrefix)
	buf.WriteString(strconv.Itoa(v))
	buf.WriteByte(' ')
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		// Every field is a string or a slice of strings; Encode cannot fail.
		panic("scene: encode op message: " + err.Error())
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// ParseOpMessage reads a commit message written by a scene operation (or
// by any client following the same format). It returns false for any other
// message: no OpMessagePrefix, a version other than OpMessageVersion, text
// after the JSON object, a line break, or JSON that is not an object with a
// non-empty string "op". Fields of the wrong type make the message not an
// operation too; unknown fields are ignored.
func ParseOpMessage(msg string) (OpMessage, bool) {
	rest, ok := strings.CutPrefix(msg, OpMessagePrefix)
	if !ok || strings.ContainsAny(msg, "\r\n") || !utf8.ValidString(msg) {
		return OpMessage{}, false
	}
	ver, body, ok := strings.Cut(rest, " ")
	if !ok || ver != strconv.Itoa(OpMessageVersion) {
		return OpMessage{}, false
	}
	var m OpMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.Op == "" {
		return OpMessage{}, false
	}
	m.Version = OpMessageVersion
	return m, true
}

// pointerEscaper escapes JSON Pointer reference tokens (RFC 6901 §3).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// escapePointer escapes one JSON Pointer reference token.
func escapePointer(token string) string {
	if !strings.ContainsAny(token, "~/") {
		return token
	}
	return pointerEscaper.Replace(token)
}

// pointer joins reference tokens into a JSON Pointer ("" for none).
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapePointer(t))
	}
	return b.String()
}

// parentRef returns a pointer to a copy of p, for OpMessage.Parent.
func parentRef(p NodeID) *NodeID {
	return &p
}
