package server

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"atelier/crdt/history"
	"atelier/server/auth"
	"atelier/store"
)

// maxHistoryPage bounds one page of the timeline.
const maxHistoryPage = 500

// historyEntry is one change in the timeline.
type historyEntry struct {
	Hash       string    `json:"hash"`
	Layer      string    `json:"layer"` // layer id, or "manifest" for the world's manifest
	URL        string    `json:"url"`
	Ordinal    int64     `json:"ordinal"`
	User       string    `json:"user"`
	ReceivedAt time.Time `json:"receivedAt"`
	// Time is the change's own timestamp normalised to milliseconds (JS
	// writes seconds, Go milliseconds); 0 when the author wrote none.
	Time    int64    `json:"time,omitempty"`
	Message string   `json:"message,omitempty"`
	Actor   string   `json:"actor"`
	Seq     uint64   `json:"seq"`
	Deps    []string `json:"deps"`
	Size    int      `json:"size"`
	// Touched lists the nodes and property paths the change touched, from
	// its operations (any client's change); Summary says it in words.
	Touched []history.NodeTouch `json:"touched"`
	Other   []string            `json:"other,omitempty"`
	Summary string              `json:"summary"`
}

// normaliseTime reads a change's timestamp as milliseconds: values below
// 1e11 are seconds (JS automerge), larger ones milliseconds (Go, Rust).
func normaliseTime(t int64) int64 {
	if t > -1e11 && t < 1e11 {
		return t * 1000
	}
	return t
}

// historyCursor is where the next page starts: per document, the ordinal
// below which to continue ("doc:ordinal,doc:ordinal").
type historyCursor map[store.DocID]int64

func parseCursor(s string) (historyCursor, error) {
	c := historyCursor{}
	if s == "" {
		return c, nil
	}
	for _, part := range strings.Split(s, ",") {
		doc, ord, ok := strings.Cut(part, ":")
		n, err := strconv.ParseInt(ord, 10, 64)
		if !ok || err != nil || n < 1 {
			return nil, fmt.Errorf("%w: bad cursor %q", ErrBadRequest, s)
		}
		c[store.DocID(doc)] = n
	}
	return c, nil
}

func (c historyCursor) String() string {
	parts := make([]string, 0, len(c))
	for doc, n := range c {
		parts = append(parts, string(doc)+":"+strconv.FormatInt(n, 10))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// historyDocs returns the documents the timeline covers, with their labels.
func historyDocs(w store.World, layer string) (map[store.DocID]string, error) {
	docs := map[store.DocID]string{}
	if layer == "" {
		docs[w.Manifest] = "manifest"
	}
	for _, l := range w.Layers {
		if layer == "" || string(l.ID) == layer {
			docs[l.Doc] = string(l.ID)
		}
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("layer %q: %w in world %s", layer, store.ErrNotFound, w.ID)
	}
	return docs, nil
}

// getHistory handles GET /api/worlds/{id}/history[?layer=ID&limit=N&before=CURSOR]:
// the world's changes, newest first by arrival, paged.
func (s *Server) getHistory(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	wd, err := s.world(r, p)
	limit := 100
	if err == nil && q.Has("limit") {
		if limit, err = strconv.Atoi(q.Get("limit")); err != nil || limit < 1 || limit > maxHistoryPage {
			err = fmt.Errorf("%w: limit must be 1..%d", ErrBadRequest, maxHistoryPage)
		}
	}
	var cursor historyCursor
	if err == nil {
		cursor, err = parseCursor(q.Get("before"))
	}
	var docs map[store.DocID]string
	if err == nil {
		docs, err = historyDocs(wd, q.Get("layer"))
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	var all []historyEntry
	for doc, label := range docs {
		if before, ok := cursor[doc]; ok && before <= 1 {
			continue // this document's history is exhausted
		}
		chs, err := s.st.ChangeLog(r.Context(), doc, cursor[doc], limit)
		if err != nil {
			s.writeError(w, err)
			return
		}
		for _, c := range chs {
			all = append(all, toHistoryEntry(c, label))
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].ReceivedAt.Equal(all[j].ReceivedAt) {
			return all[i].ReceivedAt.After(all[j].ReceivedAt)
		}
		return all[i].Ordinal > all[j].Ordinal
	})
	if len(all) > limit {
		all = all[:limit]
	}
	if err := s.describe(r.Context(), all); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"changes": all, "next": nextCursor(cursor, docs, all, limit)})
}

// nextCursor returns the cursor of the page after entries, or "" at the end.
func nextCursor(prev historyCursor, docs map[store.DocID]string, entries []historyEntry, limit int) string {
	if len(entries) < limit {
		return ""
	}
	next := historyCursor{}
	for doc := range docs {
		if n, ok := prev[doc]; ok {
			next[doc] = n
		}
	}
	for _, e := range entries {
		next[store.DocID(strings.TrimPrefix(e.URL, "automerge:"))] = e.Ordinal
	}
	return next.String()
}

func toHistoryEntry(c store.Change, label string) historyEntry {
	deps := make([]string, len(c.Deps))
	for i, d := range c.Deps {
		deps[i] = d.String()
	}
	return historyEntry{
		Hash: c.Hash.String(), Layer: label, URL: "automerge:" + string(c.Doc), Ordinal: c.Ordinal,
		User: c.User, ReceivedAt: c.ReceivedAt, Time: normaliseTime(c.Time), Message: c.Message,
		Actor: hex.EncodeToString(c.Actor), Seq: c.Seq, Deps: deps, Size: len(c.Raw),
		Touched: []history.NodeTouch{},
	}
}

// describe fills each entry's touched nodes and summary from the touch index.
func (s *Server) describe(ctx context.Context, entries []historyEntry) error {
	byDoc := map[store.DocID][]int{} // document → indexes of its entries
	for i, e := range entries {
		doc := store.DocID(strings.TrimPrefix(e.URL, "automerge:"))
		byDoc[doc] = append(byDoc[doc], i)
	}
	for doc, idx := range byDoc {
		ordinals := make([]int64, len(idx))
		for k, i := range idx {
			ordinals[k] = entries[i].Ordinal
		}
		touches, err := s.touches.describe(ctx, doc, ordinals)
		if err != nil {
			return err
		}
		for k, i := range idx {
			t := touches[k]
			if t.Nodes == nil { // a change the tracker could not read
				t.Nodes = []history.NodeTouch{}
			}
			entries[i].Touched, entries[i].Other, entries[i].Summary = t.Nodes, t.Other, history.Summary(t)
		}
	}
	return nil
}
