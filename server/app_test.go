package server_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"atelier/server"
	"atelier/web"
)

// The browser app is served at "/", "/worlds/…" and "/assets/…", and
// takes nothing away from the API, the sync endpoint, health or metrics.
func TestAppRoutes(t *testing.T) {
	app := web.NewHandler(fstest.MapFS{
		"index.html":                {Data: []byte("placeholder")},
		"app/index.html":            {Data: []byte("<!doctype html><title>atelier app</title>")},
		"app/assets/main-1a2b.js":   {Data: []byte("export {}")},
		"app/assets/am-3c4d.wasm":   {Data: []byte("\x00asm\x01\x00\x00\x00")},
		"app/assets/style-5e6f.css": {Data: []byte("body{}")},
	})
	ts := startServer(t, "", server.Config{App: app})
	w := ts.createWorld(t, "", "Harbor")
	cases := []struct {
		path   string
		status int
		want   string // in the body
		ctype  string // prefix of Content-Type
	}{
		{"/", 200, "atelier app", "text/html"},
		{"/worlds/x", 200, "atelier app", "text/html"},
		{"/worlds/" + w.ID + "?camera=1,2,3,0,0,0,1&select=abc", 200, "atelier app", "text/html"},
		{"/assets/main-1a2b.js", 200, "export {}", "text/javascript"},
		{"/assets/am-3c4d.wasm", 200, "asm", "application/wasm"},
		{"/assets/missing-0000.js", 404, "", ""},
		{"/api/worlds", 200, w.ID, "application/json"},
		{"/api/worlds/" + w.ID, 200, `"name":"Harbor"`, "application/json"},
		{"/api/nope", 404, "", ""},
		{"/api/openapi.json", 200, `"openapi"`, "application/json"},
		{"/healthz", 200, "ok", ""},
		{"/metrics", 200, "# HELP", ""},
		{"/sync", 400, "", ""}, // not a websocket upgrade: the upgrader answers, not the app
		{"/nope", 404, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			resp, b := ts.do(t, http.MethodGet, tc.path, "", nil)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%s %.200q", resp.Status, b)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) {
				t.Errorf("Content-Type %q, want %s…", resp.Header.Get("Content-Type"), tc.ctype)
			}
			if tc.status != 200 && strings.Contains(string(b), "atelier app") {
				t.Errorf("%s fell back to the app's index", tc.path)
			}
			if strings.HasPrefix(tc.path, "/assets/") && tc.status == 200 &&
				!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("asset Cache-Control %q", resp.Header.Get("Cache-Control"))
			}
		})
	}
}

// Without an app the server still answers "/" (a plain-text index) and
// 404 on the app's other routes.
func TestNoAppRoutes(t *testing.T) {
	ts := startServer(t, "", server.Config{})
	if resp, b := ts.do(t, http.MethodGet, "/", "", nil); resp.StatusCode != 200 || !strings.Contains(string(b), "/api/worlds") {
		t.Fatalf("/: %s %q", resp.Status, b)
	}
	for _, path := range []string{"/worlds/x", "/assets/a.js"} {
		if resp, _ := ts.do(t, http.MethodGet, path, "", nil); resp.StatusCode != 404 {
			t.Fatalf("%s: %s", path, resp.Status)
		}
	}
}
