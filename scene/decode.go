package scene

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// Limits that keep a hostile node from costing more than it is worth.
const (
	// maxValueDepth is how deeply a node's values may nest (node map = 0);
	// deeper values read as null with a warning.
	maxValueDepth = 64
	// maxWarnings is how many warnings one node keeps; the rest are counted
	// in a final "… more warnings" entry.
	maxWarnings = 32
)

// truncated stands in for a value nested deeper than maxValueDepth.
type truncated struct{}

// unreadable stands in for a value the automerge document failed to return.
type unreadable struct{ err error }

// nodeReader decodes one node's plain value leniently, collecting warnings.
type nodeReader struct {
	prefix   string // prepended to field names in warnings
	warnings []string
	dropped  int
}

func (r *nodeReader) warnf(format string, args ...any) {
	if len(r.warnings) >= maxWarnings {
		r.dropped++
		return
	}
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}

// done returns the collected warnings, nil if there were none.
func (r *nodeReader) done() []string {
	if r.dropped > 0 {
		r.warnings = append(r.warnings, fmt.Sprintf("%d more warnings", r.dropped))
	}
	return r.warnings
}

// decodeNode turns the plain value stored under nodes[id] into a Node,
// replacing every missing or mistyped field by its default.
func decodeNode(id NodeID, v any) Node {
	n := defaultNode(id)
	var r nodeReader
	if id == "" {
		r.warnf("id: empty")
	}
	m, ok := v.(map[string]any)
	if !ok {
		r.warnf("node: got %s, want map; using defaults", typeName(v))
		n.Warnings = r.done()
		return n
	}
	n.Name = r.str(m, "name", "")
	n.Kind = r.str(m, "kind", KindEmpty)
	if n.Kind == "" {
		r.warnf("kind: empty; using %q", KindEmpty)
		n.Kind = KindEmpty
	}
	n.Parent = NodeID(r.str(m, "parent", ""))
	n.Order = r.str(m, "order", "")
	n.Asset = r.str(m, "asset", "")
	n.Transform = r.transform(m)
	n.Components = r.components(m)
	n.Warnings = r.done()
	return n
}

// str reads a string field (automerge Text already reads as string).
func (r *nodeReader) str(m map[string]any, key, def string) string {
	v, ok := m[key]
	if !ok {
		r.warnf("%s%s: missing; using %q", r.prefix, key, def)
		return def
	}
	s, ok := v.(string)
	if !ok {
		r.warnf("%s%s: got %s, want string; using %q", r.prefix, key, typeName(v), def)
		return def
	}
	return s
}

// submap reads a field that must hold a map.
func (r *nodeReader) submap(m map[string]any, key, path string) (map[string]any, bool) {
	v, ok := m[key]
	if !ok {
		r.warnf("%s: missing; using defaults", path)
		return nil, false
	}
	sub, ok := v.(map[string]any)
	if !ok {
		r.warnf("%s: got %s, want map; using defaults", path, typeName(v))
	}
	return sub, ok
}

func (r *nodeReader) transform(m map[string]any) Transform {
	t := IdentityTransform()
	tm, ok := r.submap(m, "transform", "transform")
	if !ok {
		return t
	}
	r.floats(tm, "t", t.T[:])
	r.floats(tm, "r", t.R[:])
	r.floats(tm, "s", t.S[:])
	return t
}

// floats reads transform.<key> into dst, which holds the defaults. Each
// element is read on its own: one bad element does not reset the others.
func (r *nodeReader) floats(tm map[string]any, key string, dst []float64) {
	v, ok := tm[key]
	if !ok {
		r.warnf("transform.%s: missing; using %v", key, dst)
		return
	}
	list, ok := v.([]any)
	if !ok {
		r.warnf("transform.%s: got %s, want list; using %v", key, typeName(v), dst)
		return
	}
	if len(list) != len(dst) {
		r.warnf("transform.%s: %d elements, want %d", key, len(list), len(dst))
	}
	for i := range min(len(list), len(dst)) {
		if f, ok := toFloat(list[i]); ok {
			dst[i] = f
		} else {
			r.warnf("transform.%s[%d]: got %s, want finite number; using %v", key, i, typeName(list[i]), dst[i])
		}
	}
}

// components reads the components map: component name → map of fields.
// A component that is not a map is dropped with a warning.
func (r *nodeReader) components(m map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	cm, ok := r.submap(m, "components", "components")
	if !ok {
		return out
	}
	for _, name := range sortedKeys(cm) {
		fields, ok := cm[name].(map[string]any)
		if !ok {
			r.warnf("components.%s: got %s, want map; dropped", name, typeName(cm[name]))
			continue
		}
		clean := make(map[string]any, len(fields))
		for _, k := range sortedKeys(fields) {
			clean[k] = r.value("components."+name+"."+k, fields[k], 3)
		}
		out[name] = clean
	}
	return out
}

// value returns v as a plain value that encoding/json can marshal: numbers
// from JSON become int64, uint64 or float64, and non-finite floats,
// over-deep and unreadable values become nil with a warning.
func (r *nodeReader) value(path string, v any, depth int) any {
	switch x := v.(type) {
	case nil, bool, string, int64, uint64, []byte, time.Time:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			r.warnf("%s: non-finite number; using null", path)
			return nil
		}
		return x
	case json.Number:
		if n, ok := jsonNumber(x); ok {
			return n
		}
	case map[string]any:
		if depth < maxValueDepth {
			out := make(map[string]any, len(x))
			for _, k := range sortedKeys(x) {
				out[k] = r.value(path+"."+k, x[k], depth+1)
			}
			return out
		}
	case []any:
		if depth < maxValueDepth {
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = r.value(path+"["+strconv.Itoa(i)+"]", e, depth+1)
			}
			return out
		}
	}
	r.warnf("%s: unsupported %s; using null", path, typeName(v))
	return nil
}

// jsonNumber converts a JSON number to int64, then uint64, then a finite
// float64, whichever first represents it.
func jsonNumber(n json.Number) (any, bool) {
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
		return u, true
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return f, true
}

// toFloat reads any number kind as a finite float64.
func toFloat(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
	case uint64:
		f = float64(x)
	case json.Number:
		n, ok := jsonNumber(x)
		if !ok {
			return 0, false
		}
		return toFloat(n)
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// typeName names a plain value's type for warnings, in schema terms.
func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case int64, uint64, json.Number:
		return "number"
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "non-finite number"
		}
		return "number"
	case []byte:
		return "bytes"
	case time.Time:
		return "timestamp"
	case map[string]any:
		return "map"
	case []any:
		return "list"
	case truncated:
		return "value nested too deeply"
	case unreadable:
		return "unreadable value (" + x.err.Error() + ")"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// sortedKeys returns m's keys in byte-wise order.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
