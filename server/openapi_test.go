package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// routeRecorder collects the patterns a server registers.
type routeRecorder struct{ patterns []string }

func (r *routeRecorder) HandleFunc(p string, _ func(http.ResponseWriter, *http.Request)) {
	r.patterns = append(r.patterns, p)
}

func (r *routeRecorder) Handle(p string, _ http.Handler) { r.patterns = append(r.patterns, p) }

// Every route the server registers is in the OpenAPI document, with its
// method, and the document describes no route that does not exist.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	rec := &routeRecorder{}
	(&Server{media: &reviewMedia{}, log: slog.New(slog.DiscardHandler)}).routes(rec) // with review streams, as atelier serve runs
	seen := map[string]bool{}
	app := map[string]bool{}
	for _, p := range appRoutes {
		app[p] = true
	}
	for _, p := range rec.patterns {
		method, path, _ := strings.Cut(p, " ")
		if app[p] {
			continue // the browser app's pages and assets, not API
		}
		seen[path] = true
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s %s is not in openapi.json", method, path)
		}
	}
	for path := range doc.Paths {
		if !seen[path] {
			t.Errorf("openapi.json describes %s, which the server does not serve", path)
		}
	}
}
