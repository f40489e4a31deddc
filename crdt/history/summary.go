package history

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Summary limits: names listed per clause, properties listed per edited
// node, and the length of one name.
const (
	maxListed     = 3
	maxPropsShown = 3
	maxNameRunes  = 32
)

// Summary returns a short human description of t, for example
// "added Crate; moved Crate, Barrel; renamed Lamp → Street Lamp; deleted
// Fence; edited Lamp (components.light.intensity)". Clauses come in that
// order, then "changed" for paths outside nodes. "moved" means parent,
// order or transform changed. Long lists are cut ("moved Crate, Barrel and
// 12 more"); a node without a name is shown by the start of its id. A
// Touch with nothing in it reads "no changes".
func Summary(t Touch) string {
	var c clauses
	for _, n := range t.Nodes {
		c.add(n)
	}
	var out []string
	for _, cl := range []struct {
		verb  string
		items []string
	}{
		{"added", c.added}, {"moved", c.moved}, {"renamed", c.renamed},
		{"deleted", c.deleted}, {"edited", c.edited}, {"changed", t.Other},
	} {
		if len(cl.items) > 0 {
			out = append(out, cl.verb+" "+list(cl.items, maxListed))
		}
	}
	if len(out) == 0 {
		return "no changes"
	}
	return strings.Join(out, "; ")
}

// clauses collects the items of each clause of a summary.
type clauses struct {
	added, moved, renamed, deleted, edited []string
}

// add sorts one node's touch into the clauses: a created or deleted node
// is only that; otherwise it may be moved, renamed and edited at once.
func (c *clauses) add(n NodeTouch) {
	if n.Created || n.Deleted {
		if n.Created {
			c.added = append(c.added, label(n))
		}
		if n.Deleted {
			c.deleted = append(c.deleted, label(n))
		}
		return
	}
	if n.OldName != "" {
		c.renamed = append(c.renamed, shorten(n.OldName)+" → "+label(n))
	}
	var rest []string
	moved := false
	for _, p := range n.Props {
		switch {
		case isMoveProp(p):
			moved = true
		case p == "name" && n.OldName != "":
		default:
			rest = append(rest, p)
		}
	}
	if moved {
		c.moved = append(c.moved, label(n))
	}
	if len(rest) > 0 {
		c.edited = append(c.edited, label(n)+" ("+list(rest, maxPropsShown)+")")
	}
}

// isMoveProp reports whether property path p places the node: its parent,
// its order among siblings, or its transform.
func isMoveProp(p string) bool {
	return p == "parent" || p == "order" || p == "transform" || strings.HasPrefix(p, "transform.")
}

// label names a node for a summary: its name, or the start of its id.
func label(n NodeTouch) string {
	if n.Name != "" {
		return shorten(n.Name)
	}
	if r := []rune(n.ID); len(r) > 8 {
		return string(r[:8])
	}
	return n.ID
}

// shorten cuts s to maxNameRunes runes, marking the cut with "…".
func shorten(s string) string {
	if utf8.RuneCountInString(s) <= maxNameRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxNameRunes-1]) + "…"
}

// list joins items with commas, cut after limit items as "a, b and N more".
func list(items []string, limit int) string {
	if len(items) <= limit {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:limit-1], ", ") + " and " + strconv.Itoa(len(items)-limit+1) + " more"
}
