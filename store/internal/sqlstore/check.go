package sqlstore

import (
	"errors"
	"fmt"
	"math"

	"atelier/store"
)

// CheckBatch reports whether changes may be appended to doc's log as one
// batch starting at ordinal first: ordinals first, first+1, … with no hash
// repeated within the batch (ErrConflict otherwise), and every change's Doc
// either empty or doc.
func CheckBatch(doc store.DocID, first int64, changes []store.Change) error {
	seen := make(map[store.ChangeHash]struct{}, len(changes))
	for i := range changes {
		c := &changes[i]
		if c.Doc != "" && c.Doc != doc {
			return fmt.Errorf("change %d belongs to document %s", c.Ordinal, c.Doc)
		}
		if want := first + int64(i); c.Ordinal != want {
			return fmt.Errorf("ordinal %d, want %d: %w", c.Ordinal, want, store.ErrConflict)
		}
		if _, dup := seen[c.Hash]; dup {
			return fmt.Errorf("change %s appears twice in the batch: %w", c.Hash, store.ErrConflict)
		}
		seen[c.Hash] = struct{}{}
	}
	return nil
}

// CheckTouches checks a PutTouches request before anything is read: the
// ordinals must be consecutive (ErrConflict otherwise) and start at 1 or
// later (ErrNotFound: there is no change 0).
func CheckTouches(touches []store.Touch) error {
	for i := range touches {
		if i > 0 && touches[i].Ordinal != touches[i-1].Ordinal+1 {
			return fmt.Errorf("touch of ordinal %d after %d: %w", touches[i].Ordinal, touches[i-1].Ordinal, store.ErrConflict)
		}
	}
	if len(touches) > 0 && touches[0].Ordinal < 1 {
		return fmt.Errorf("touch of ordinal %d: %w", touches[0].Ordinal, store.ErrNotFound)
	}
	return nil
}

// UnstoredTouches returns the touches, which CheckTouches accepted, that
// are past last, the end of the document's stored prefix; ErrConflict if they start
// past last+1, which would leave a gap.
func UnstoredTouches(last int64, touches []store.Touch) ([]store.Touch, error) {
	if len(touches) == 0 {
		return nil, nil
	}
	if first := touches[0].Ordinal; first > last+1 {
		return nil, fmt.Errorf("touches from ordinal %d, stored up to %d: %w", first, last, store.ErrConflict)
	}
	return touches[min(last-touches[0].Ordinal+1, int64(len(touches))):], nil
}

// CheckWorld validates a CreateWorld request before anything is written: the
// manifest and every layer's document must be among docs, documents and
// layers must belong to w (or leave World empty), each document's initial
// changes must be the log's first ordinals, and the branch fields must
// agree (see checkBranch). It returns docs and layers with World filled in.
func CheckWorld(w store.World, docs []store.NewDocument) ([]store.NewDocument, []store.Layer, error) {
	if err := checkBranch(w); err != nil {
		return nil, nil, fmt.Errorf("create world %s: %w", w.ID, err)
	}
	byID := make(map[store.DocID]bool, len(docs))
	out := make([]store.NewDocument, len(docs))
	for i, d := range docs {
		if d.World != "" && d.World != w.ID {
			return nil, nil, fmt.Errorf("create world %s: document %s belongs to world %s", w.ID, d.ID, d.World)
		}
		if err := CheckBatch(d.ID, 1, d.Changes); err != nil {
			return nil, nil, fmt.Errorf("create world %s: document %s: %w", w.ID, d.ID, err)
		}
		d.World = w.ID
		out[i] = d
		byID[d.ID] = true
	}
	if !byID[w.Manifest] {
		return nil, nil, fmt.Errorf("create world %s: manifest document %q is not among its documents", w.ID, w.Manifest)
	}
	layers := make([]store.Layer, len(w.Layers))
	for i, l := range w.Layers {
		if l.World != "" && l.World != w.ID {
			return nil, nil, fmt.Errorf("create world %s: layer %s belongs to world %s", w.ID, l.ID, l.World)
		}
		if !byID[l.Doc] {
			return nil, nil, fmt.Errorf("create world %s: layer %s document %q is not among its documents", w.ID, l.ID, l.Doc)
		}
		l.World = w.ID
		layers[i] = l
	}
	return out, layers, nil
}

// checkBranch checks w's branch fields: a branch names its branch, a main
// world has neither a branch name nor a fork time, and no world is its own
// parent (it does not exist yet, so that is ErrNotFound; the foreign key
// alone would accept the row that satisfies itself). An unknown parent and
// a taken branch name are left to the foreign key and the unique index.
func checkBranch(w store.World) error {
	switch {
	case w.Parent == "" && w.Branch != "":
		return fmt.Errorf("branch name %q without a parent world", w.Branch)
	case w.Parent == "" && !w.ForkedAt.IsZero():
		return errors.New("fork time without a parent world")
	case w.Parent != "" && w.Branch == "":
		return fmt.Errorf("branch of %s has no branch name", w.Parent)
	case w.Parent != "" && w.Parent == w.ID:
		return fmt.Errorf("parent world %s is the world itself: %w", w.Parent, store.ErrNotFound)
	}
	return nil
}

// NullParent returns w's parent_world argument: nil (NULL) for a main world,
// so the foreign key and the unique index worlds_parent_branch skip it.
func NullParent(w store.World) any {
	if w.Parent == "" {
		return nil
	}
	return string(w.Parent)
}

// Arrange returns the changes found for doc in the order of ordinals, or
// ErrNotFound naming the first ordinal not found.
func Arrange(doc store.DocID, ordinals []int64, found map[int64]*store.Change) ([]store.Change, error) {
	out := make([]store.Change, len(ordinals))
	for i, o := range ordinals {
		c, ok := found[o]
		if !ok {
			return nil, fmt.Errorf("change %d of %s: %w", o, doc, store.ErrNotFound)
		}
		out[i] = *c
	}
	return out, nil
}

// AttachLayers sets each world's Layers from layers, which must be in display
// order within each world. Layers of worlds not in worlds are ignored.
func AttachLayers(worlds []store.World, layers []store.Layer) {
	idx := make(map[store.WorldID]int, len(worlds))
	for i := range worlds {
		idx[worlds[i].ID] = i
	}
	for _, l := range layers {
		if i, ok := idx[l.World]; ok {
			worlds[i].Layers = append(worlds[i].Layers, l)
		}
	}
}

// Span clamps the inclusive ordinal range from..to (to <= 0 meaning "to the
// end") to a log holding ordinals 1..last. ok is false when nothing is left.
func Span(from, to, last int64) (lo, hi int64, ok bool) {
	lo, hi = max(from, 1), last
	if to > 0 {
		hi = min(to, last)
	}
	return lo, hi, lo <= hi
}

// MaxChangeLogLimit is the most changes one ChangeLog call returns; a larger
// limit is lowered to it.
const MaxChangeLogLimit = 1000

// LogPage turns ChangeLog's arguments into SelectChangeLog's: below is the
// exclusive ordinal bound (before, or past every ordinal when before <= 0),
// n the row limit, capped at MaxChangeLogLimit. A limit <= 0 is an error.
// expect is the most rows the page can hold, for sizing the result.
func LogPage(before int64, limit int) (below int64, n, expect int, err error) {
	if limit <= 0 {
		return 0, 0, 0, fmt.Errorf("change log limit %d: must be positive", limit)
	}
	n = min(limit, MaxChangeLogLimit)
	if before <= 0 {
		return math.MaxInt64, n, n, nil
	}
	return before, n, int(min(int64(n), before-1)), nil
}

// CheckVersion validates a CreateVersion request before anything is
// written: a non-empty name, each document at most once, no negative
// ordinal. Unknown worlds and documents are left to the foreign keys.
func CheckVersion(v store.Version) error {
	if v.Name == "" {
		return errors.New("version name is empty")
	}
	seen := make(map[store.DocID]bool, len(v.Docs))
	for _, d := range v.Docs {
		if seen[d.Doc] {
			return fmt.Errorf("document %s appears twice", d.Doc)
		}
		seen[d.Doc] = true
		if d.Ordinal < 0 {
			return fmt.Errorf("document %s: ordinal %d is negative", d.Doc, d.Ordinal)
		}
	}
	return nil
}

// NamedVersionDoc is a row of SelectWorldVersionDocs: a document of the
// version called Name.
type NamedVersionDoc struct {
	Name string
	store.VersionDoc
}

// AttachVersionDocs sets each version's Docs from docs, which must be in
// document order within each version. All versions must be of one world;
// documents of versions not in versions are ignored.
func AttachVersionDocs(versions []store.Version, docs []NamedVersionDoc) {
	idx := make(map[string]int, len(versions))
	for i := range versions {
		idx[versions[i].Name] = i
	}
	for _, d := range docs {
		if i, ok := idx[d.Name]; ok {
			versions[i].Docs = append(versions[i].Docs, d.VersionDoc)
		}
	}
}
