package scene

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Property paths are RFC 6901 JSON Pointers relative to a node map, as in
// PropChange.Path and OpMessage.Props. Restore accepts these, each naming
// one property or a group of them:
//
//	/name  /kind  /asset  /parent  /order
//	/transform  /transform/<t|r|s>  /transform/<t|r|s>/<index>
//	/components  /components/<name>  /components/<name>/<key>
//
// A path names itself and every path below it: "/transform/t" is the three
// elements of the translation, "/components/light" every field of the
// light component (and whether it exists).

// parsePropPath splits a property path into its unescaped reference tokens
// and checks it names a property (or group) of a node. Any other path is
// ErrInvalidProperty.
func parsePropPath(p string) ([]string, error) {
	bad := func(why string) ([]string, error) {
		return nil, fmt.Errorf("%w: path %q: %s", ErrInvalidProperty, p, why)
	}
	if !strings.HasPrefix(p, "/") || !utf8.ValidString(p) {
		return bad(`not a JSON Pointer ("/name", "/transform/t/0", "/components/light/intensity")`)
	}
	tok := strings.Split(p[1:], "/")
	for i, t := range tok {
		u, ok := unescapePointer(t)
		if !ok {
			return bad("bad ~ escape")
		}
		tok[i] = u
	}
	switch tok[0] {
	case "name", "kind", "asset", "parent", "order":
		if len(tok) == 1 {
			return tok, nil
		}
	case "transform":
		if len(tok) == 1 {
			return tok, nil
		}
		n, ok := transformLen[tok[1]]
		if !ok {
			return bad(`transform vector is not "t", "r" or "s"`)
		}
		if len(tok) == 2 || len(tok) == 3 && len(tok[2]) == 1 && tok[2][0] >= '0' && int(tok[2][0]-'0') < n {
			return tok, nil
		}
		return bad(fmt.Sprintf("transform.%s has elements 0 to %d", tok[1], n-1))
	case "components":
		for _, name := range tok[1:] {
			if name == "" {
				return bad("empty component or field name")
			}
		}
		if len(tok) <= 3 {
			return tok, nil
		}
	}
	return bad("not a node property")
}

// unescapePointer undoes escapePointer; it fails on a "~" not followed by
// "0" or "1" (RFC 6901 §4).
func unescapePointer(t string) (string, bool) {
	if !strings.Contains(t, "~") {
		return t, true
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '~' {
			b.WriteByte(t[i])
			continue
		}
		if i+1 == len(t) || t[i+1] != '0' && t[i+1] != '1' {
			return "", false
		}
		b.WriteByte("~/"[t[i+1]-'0'])
		i++
	}
	return b.String(), true
}

// hasPrefix reports whether path tokens p start with the tokens of prefix.
func hasPrefix(p, prefix []string) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

// nodeChanges lists every property that differs from node a to node b,
// with the paths, ops and values of a PropChange (Before from a, After
// from b): "/parent" and "/order", then what Diff compares (name, kind,
// asset, each transform element, components and their fields).
func nodeChanges(out []PropChange, id NodeID, a, b *Node) []PropChange {
	if a.Parent != b.Parent {
		out = append(out, PropChange{ID: id, Op: DiffReplace, Path: "/parent", Before: string(a.Parent), After: string(b.Parent)})
	}
	if a.Order != b.Order {
		out = append(out, PropChange{ID: id, Op: DiffReplace, Path: "/order", Before: a.Order, After: b.Order})
	}
	return diffNode(out, id, a, b)
}

// valueAt returns the value of property path tok (a leaf or whole
// component, as nodeChanges reports) on node n, and whether it is present:
// a missing node, component or field is absent.
func valueAt(n *Node, tok []string) (any, bool) {
	if n == nil {
		return nil, false
	}
	switch tok[0] {
	case "name":
		return n.Name, true
	case "kind":
		return n.Kind, true
	case "asset":
		return n.Asset, true
	case "parent":
		return string(n.Parent), true
	case "order":
		return n.Order, true
	case "transform":
		return vector(&n.Transform, tok[1])[tok[2][0]-'0'], true
	}
	comp, ok := n.Components[tok[1]]
	if !ok || len(tok) == 2 {
		return comp, ok
	}
	v, ok := comp[tok[2]]
	return v, ok
}

// sameAt reports whether nodes x and y (nil = absent) hold the same value
// at property path tok. A component field compares equal only if both
// nodes have the component, or neither has it.
func sameAt(x, y *Node, tok []string) bool {
	if x == nil || y == nil {
		return x == nil && y == nil
	}
	if tok[0] != "components" {
		vx, _ := valueAt(x, tok)
		vy, _ := valueAt(y, tok)
		return vx == vy // strings or float64s
	}
	cx, inX := x.Components[tok[1]]
	cy, inY := y.Components[tok[1]]
	switch {
	case inX != inY:
		return false
	case !inX:
		return true
	case len(tok) == 2:
		return fieldsEqual(cx, cy)
	}
	vx, inX := cx[tok[2]]
	vy, inY := cy[tok[2]]
	return inX == inY && (!inX || valueEqual(vx, vy))
}

// vector returns the transform vector named "t", "r" or "s".
func vector(t *Transform, name string) []float64 {
	switch name {
	case "t":
		return t.T[:]
	case "r":
		return t.R[:]
	}
	return t.S[:]
}
