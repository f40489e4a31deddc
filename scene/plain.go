package scene

import (
	"fmt"

	"github.com/automerge/automerge-go"
)

// plainRoot reads the named entries of a document's root map as plain
// values. Entries that are absent stay absent from the result.
func plainRoot(doc *automerge.Doc, keys ...string) (map[string]any, error) {
	values, err := doc.RootMap().Values()
	if err != nil {
		return nil, fmt.Errorf("scene: read document root: %w", err)
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := values[k]; ok {
			out[k] = plainValue(v, 0)
		}
	}
	return out, nil
}

// plainValue converts an automerge value into a plain Go value: maps become
// map[string]any, lists []any, Text a string, a counter its int64 value and
// scalars their Go value (string, int64, uint64, float64, bool, []byte,
// time.Time, nil). It never fails: a value the document cannot return
// becomes unreadable{} and one nested deeper than maxValueDepth becomes
// truncated{}, which the node decoder reports as warnings.
func plainValue(v *automerge.Value, depth int) any {
	switch v.Kind() {
	case automerge.KindMap:
		if depth >= maxValueDepth {
			return truncated{}
		}
		return plainMap(v.Map(), depth)
	case automerge.KindList:
		if depth >= maxValueDepth {
			return truncated{}
		}
		return plainList(v.List(), depth)
	case automerge.KindText:
		s, err := v.Text().Get()
		if err != nil {
			return unreadable{err}
		}
		return s
	case automerge.KindCounter:
		c, err := v.Counter().Get()
		if err != nil {
			return unreadable{err}
		}
		return c
	case automerge.KindVoid, automerge.KindNull, automerge.KindUnknown:
		return nil
	default:
		return v.Interface()
	}
}

func plainMap(m *automerge.Map, depth int) any {
	values, err := m.Values()
	if err != nil {
		return unreadable{err}
	}
	out := make(map[string]any, len(values))
	for k, e := range values {
		out[k] = plainValue(e, depth+1)
	}
	return out
}

func plainList(l *automerge.List, depth int) any {
	values, err := l.Values()
	if err != nil {
		return unreadable{err}
	}
	out := make([]any, len(values))
	for i, e := range values {
		out[i] = plainValue(e, depth+1)
	}
	return out
}

// PlainReader is a document read as plain values without automerge-go,
// such as history.Replica: Root returns the named root entries as plain
// values (the same Go types plainValue gives), with any container nested
// maxDepth levels below a root entry (the entry itself at depth 0)
// replaced by deep.
type PlainReader interface {
	Root(keys []string, maxDepth int, deep any) map[string]any
}

// ReadLayerFrom is ReadLayer for a document read through r.
func ReadLayerFrom(r PlainReader) (*LayerState, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil document", ErrNotLayer)
	}
	return decodeLayer(r.Root([]string{"schema", "nodes"}, maxValueDepth, truncated{}))
}
