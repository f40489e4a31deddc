package scene

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// LayerCreateMessage is the commit message of the change NewLayerDoc makes.
const LayerCreateMessage = "atelier: create layer"

var layerRule = schemaRule{
	want: LayerSchema, family: "atelier.layer/", container: "nodes", notIt: ErrNotLayer,
}

// ReadLayer materializes a layer document into its plain state.
//
// It reads root.schema and root.nodes only. Every string field may be a
// scalar string or a Text object, and every number an int, uint or float
// (or a counter). A missing or mistyped field gets its documented default
// and a warning on its node; a node value that is not even a map is still
// returned, with defaults. ReadLayer fails only if the document is not a
// layer at all: nil, a schema other than LayerSchema (ErrNotLayer, or
// ErrUnsupportedSchema for another atelier.layer/ version), or no schema and
// no `nodes` map (ErrNotLayer; this includes an empty document).
func ReadLayer(doc *automerge.Doc) (*LayerState, error) {
	if doc == nil {
		return nil, fmt.Errorf("%w: nil document", ErrNotLayer)
	}
	root, err := plainRoot(doc, "schema", "nodes")
	if err != nil {
		return nil, err
	}
	return decodeLayer(root)
}

// NewLayerDoc returns a new layer document whose root holds the schema
// (LayerSchema, a scalar string) and an empty `nodes` map, committed as one
// change with message LayerCreateMessage.
//
// Create each layer document exactly once (the server does, when a layer is
// added) and give every peer a copy of it: two independently created layer
// documents each have their own `nodes` map, and merging them would keep
// only one.
func NewLayerDoc() (*automerge.Doc, error) {
	doc := automerge.New()
	root := doc.RootMap()
	if err := root.Set("schema", LayerSchema); err != nil {
		return nil, fmt.Errorf("scene: new layer: %w", err)
	}
	if err := root.Set("nodes", automerge.NewMap()); err != nil {
		return nil, fmt.Errorf("scene: new layer: %w", err)
	}
	if _, err := doc.Commit(LayerCreateMessage); err != nil {
		return nil, fmt.Errorf("scene: new layer: %w", err)
	}
	return doc, nil
}

// AddNode writes n as a new node in the layer's `nodes` map, together with
// every container the node will ever need: the node map, its `transform`
// map with the `t`, `r` and `s` lists, and its `components` map with one map
// per component. The writes are left uncommitted, so the caller commits them
// (with any other writes) as one change.
//
// n.ID must be a canonical lowercase UUID and n.Parent "" or one (not n.ID).
// An empty Kind is written as KindEmpty and a zero Transform as
// IdentityTransform(). Strings are written as scalar strings. Component
// values may be nil, bool, string, any Go integer (written as int64 or
// uint64), float32/float64 (finite), []byte, time.Time, []any and
// map[string]any. n.Warnings is ignored.
//
// AddNode validates everything before writing: it returns ErrInvalidNode or
// ErrNodeExists (id already in `nodes`) without touching the document, and
// ErrNotLayer if the document is not a layer.
func AddNode(doc *automerge.Doc, n Node) error {
	if doc == nil {
		return fmt.Errorf("%w: nil document", ErrNotLayer)
	}
	n, err := prepareNode(n)
	if err != nil {
		return err
	}
	nodes, err := layerNodes(doc)
	if err != nil {
		return err
	}
	existing, err := nodes.Get(string(n.ID))
	if err != nil {
		return fmt.Errorf("scene: add node %s: %w", n.ID, err)
	}
	if !existing.IsVoid() {
		return fmt.Errorf("%w: %s", ErrNodeExists, n.ID)
	}
	if err := writeNode(nodes, n); err != nil {
		return fmt.Errorf("scene: add node %s: %w", n.ID, err)
	}
	return nil
}

// layerNodes returns the layer's `nodes` map after checking the schema the
// way ReadLayer does, without reading the nodes themselves.
func layerNodes(doc *automerge.Doc) (*automerge.Map, error) {
	root := doc.RootMap()
	nv, err := root.Get("nodes")
	if err != nil {
		return nil, fmt.Errorf("scene: read nodes: %w", err)
	}
	sv, err := root.Get("schema")
	if err != nil {
		return nil, fmt.Errorf("scene: read schema: %w", err)
	}
	probe := map[string]any{}
	if !sv.IsVoid() {
		probe["schema"] = plainValue(sv, 0)
	}
	if nv.Kind() == automerge.KindMap {
		probe["nodes"] = map[string]any{}
	}
	if _, _, err := checkSchema(probe, layerRule); err != nil {
		return nil, err
	}
	if nv.Kind() != automerge.KindMap {
		return nil, fmt.Errorf("%w: root.nodes is %s, want map", ErrNotLayer, nv.Kind())
	}
	return nv.Map(), nil
}

// prepareNode validates n and returns it with defaults applied and its
// component values normalized to the types writeNode writes.
func prepareNode(n Node) (Node, error) {
	bad := func(format string, args ...any) (Node, error) {
		return Node{}, fmt.Errorf("%w: node %q: %w", ErrInvalidNode, n.ID, fmt.Errorf(format, args...))
	}
	if !isCanonicalUUID(string(n.ID)) {
		return bad("id is not a canonical lowercase UUID")
	}
	if n.Parent != "" && (!isCanonicalUUID(string(n.Parent)) || n.Parent == n.ID) {
		return bad("parent %q is not \"\" or another node's UUID", n.Parent)
	}
	for _, s := range []string{n.Name, n.Kind, n.Order, n.Asset} {
		if !utf8.ValidString(s) {
			return bad("invalid UTF-8 in %q", s)
		}
	}
	if n.Kind == "" {
		n.Kind = KindEmpty
	}
	if n.Transform == (Transform{}) {
		n.Transform = IdentityTransform()
	}
	for _, f := range slices.Concat(n.Transform.T[:], n.Transform.R[:], n.Transform.S[:]) {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return bad("transform has a non-finite number")
		}
	}
	comps, err := writableComponents(n.Components)
	if err != nil {
		return bad("%w", err)
	}
	n.Components = comps
	return n, nil
}

func writableComponents(in map[string]map[string]any) (map[string]map[string]any, error) {
	out := make(map[string]map[string]any, len(in))
	for name, fields := range in {
		if !utf8.ValidString(name) {
			return nil, fmt.Errorf("component name %q is invalid UTF-8", name)
		}
		clean := make(map[string]any, len(fields))
		for k, v := range fields {
			w, err := writable(v, 0)
			if err != nil {
				return nil, fmt.Errorf("components.%s.%s: %w", name, k, err)
			}
			if !utf8.ValidString(k) {
				return nil, fmt.Errorf("components.%s: field name %q is invalid UTF-8", name, k)
			}
			clean[k] = w
		}
		out[name] = clean
	}
	return out, nil
}

// writable validates one component value and converts it to the exact type
// written: every Go integer kind becomes int64 (uint64 when unsigned), so it
// is stored as an automerge int rather than a float.
func writable(v any, depth int) (any, error) {
	if depth >= maxValueDepth-4 {
		return nil, fmt.Errorf("value nested more than %d levels", maxValueDepth-4)
	}
	switch x := v.(type) {
	case nil, bool, []byte, time.Time:
		return x, nil
	case string:
		if !utf8.ValidString(x) {
			return nil, errors.New("invalid UTF-8")
		}
		return x, nil
	case float32:
		return writable(float64(x), depth)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("non-finite number")
		}
		return x, nil
	case []any:
		return writableList(x, depth)
	case map[string]any:
		return writableMap(x, depth)
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint(), nil
	}
	return nil, fmt.Errorf("unsupported value type %T", v)
}

func writableList(x []any, depth int) (any, error) {
	out := make([]any, len(x))
	for i, e := range x {
		w, err := writable(e, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = w
	}
	return out, nil
}

func writableMap(x map[string]any, depth int) (any, error) {
	out := make(map[string]any, len(x))
	for k, e := range x {
		if !utf8.ValidString(k) {
			return nil, fmt.Errorf("key %q is invalid UTF-8", k)
		}
		w, err := writable(e, depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = w
	}
	return out, nil
}

// writeNode writes a validated node and all its containers.
func writeNode(nodes *automerge.Map, n Node) error {
	nm := automerge.NewMap()
	if err := nodes.Set(string(n.ID), nm); err != nil {
		return err
	}
	fields := []struct{ k, v string }{
		{"name", n.Name}, {"kind", n.Kind}, {"parent", string(n.Parent)},
		{"order", n.Order}, {"asset", n.Asset},
	}
	for _, f := range fields {
		if err := nm.Set(f.k, f.v); err != nil {
			return err
		}
	}
	if err := writeTransform(nm, n.Transform); err != nil {
		return err
	}
	return writeComponents(nm, n.Components)
}

func writeTransform(nm *automerge.Map, t Transform) error {
	tm := automerge.NewMap()
	if err := nm.Set("transform", tm); err != nil {
		return err
	}
	lists := []struct {
		k string
		v []float64
	}{{"t", t.T[:]}, {"r", t.R[:]}, {"s", t.S[:]}}
	for _, l := range lists {
		list := automerge.NewList()
		if err := tm.Set(l.k, list); err != nil {
			return err
		}
		for _, f := range l.v {
			if err := list.Append(f); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeComponents(nm *automerge.Map, comps map[string]map[string]any) error {
	cm := automerge.NewMap()
	if err := nm.Set("components", cm); err != nil {
		return err
	}
	for _, name := range sortedKeys(comps) {
		c := automerge.NewMap()
		if err := cm.Set(name, c); err != nil {
			return err
		}
		fields := comps[name]
		for _, k := range sortedKeys(fields) {
			if err := c.Set(k, fields[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// isCanonicalUUID reports whether s is a UUID in canonical lowercase
// 8-4-4-4-12 hex form, as crypto.randomUUID() and uuid.NewString() write.
func isCanonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}
