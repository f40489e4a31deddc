package scene

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// LayerState is the plain state of one layer document: what ReadLayer
// materializes and what Resolve consumes. It is also the input of the
// golden vectors in testdata/tree.
//
// Nodes is keyed by node id; the key is authoritative (Node.ID is set from
// it). Warnings lists layer-level problems such as a missing schema or
// `nodes` map; per-node problems are in each Node's Warnings.
type LayerState struct {
	Schema   string           `json:"schema"`
	Nodes    map[NodeID]*Node `json:"nodes"`
	Warnings []string         `json:"warnings,omitempty"`
}

// UnmarshalJSON decodes a layer state with the same leniency as ReadLayer:
// any JSON number is accepted for a number, missing or mistyped node fields
// get their defaults and a warning, and unknown fields (including a node's
// "id" and "warnings", which are recomputed) are ignored. It fails, with
// ErrNotLayer or ErrUnsupportedSchema, only when the JSON is not a layer at
// all, so LayerState round-trips through encoding/json.
func (s *LayerState) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return fmt.Errorf("scene: decode layer state: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after JSON value", ErrNotLayer)
	}
	m, ok := root.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: JSON %s, want object", ErrNotLayer, typeName(root))
	}
	st, err := decodeLayer(m)
	if err != nil {
		return err
	}
	*s = *st
	return nil
}

// decodeLayer builds a LayerState from a plain root map (from a document or
// from JSON), using only its "schema" and "nodes" entries.
func decodeLayer(root map[string]any) (*LayerState, error) {
	schema, warnings, err := checkSchema(root, schemaRule{
		want: LayerSchema, family: "atelier.layer/", container: "nodes",
		notIt: ErrNotLayer,
	})
	if err != nil {
		return nil, err
	}
	st := &LayerState{Schema: schema, Warnings: warnings}
	raw, ok := root["nodes"].(map[string]any)
	if !ok {
		if _, present := root["nodes"]; present {
			st.Warnings = append(st.Warnings, fmt.Sprintf("nodes: got %s, want map; layer is empty", typeName(root["nodes"])))
		} else {
			st.Warnings = append(st.Warnings, "nodes: missing; layer is empty")
		}
	}
	st.Nodes = make(map[NodeID]*Node, len(raw))
	for k, v := range raw {
		n := decodeNode(NodeID(k), v)
		st.Nodes[n.ID] = &n
	}
	return st, nil
}

// schemaRule says how to recognize one document type by its root.
type schemaRule struct {
	want      string // the exact schema this package reads
	family    string // prefix shared by every version of this document type
	container string // the root map a document of this type always has
	notIt     error  // the error for "not this document type at all"
}

// checkSchema applies the recognition rule documented on ReadLayer and
// ReadManifest; an empty schema string counts as missing. It returns the
// schema string as found ("" if missing or mistyped) and any warnings.
func checkSchema(root map[string]any, rule schemaRule) (string, []string, error) {
	v, present := root["schema"]
	if s, ok := v.(string); ok && s != "" {
		switch {
		case s == rule.want:
			return s, nil, nil
		case strings.HasPrefix(s, rule.family):
			return "", nil, fmt.Errorf("%w: %q (this reader supports %q)", ErrUnsupportedSchema, s, rule.want)
		default:
			return "", nil, fmt.Errorf("%w: schema %q", rule.notIt, s)
		}
	}
	if _, ok := root[rule.container].(map[string]any); !ok {
		return "", nil, fmt.Errorf("%w: no schema and no %q map", rule.notIt, rule.container)
	}
	switch v.(type) {
	case string:
		return "", []string{"schema: empty"}, nil
	case nil:
		if !present {
			return "", []string{"schema: missing"}, nil
		}
	}
	return "", []string{fmt.Sprintf("schema: got %s, want string", typeName(v))}, nil
}
