package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// builtFS is a web/dist with a built app.
func builtFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":                  {Data: []byte("placeholder")},
		"app/index.html":              {Data: []byte("<!doctype html><title>app</title>")},
		"app/assets/index-abc123.js":  {Data: []byte(strings.Repeat("console.log('atelier');\n", 200))},
		"app/assets/core-9f8e.wasm":   {Data: []byte("\x00asm\x01\x00\x00\x00")},
		"app/assets/style-77aa.css":   {Data: []byte("body{}")},
		"app/assets/nested/x-1.js":    {Data: []byte("x")},
		"app/secret-not-an-asset.txt": {Data: []byte("no")},
	}
}

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPagesServeIndex(t *testing.T) {
	h := NewHandler(builtFS())
	for _, target := range []string{"/", "/worlds/x", "/worlds/6f1c2a4e-9b1d-4c7e-8a2f-0d3b5e7f9a1c?camera=0,1,2,0,0,0,1&select=n"} {
		t.Run(target, func(t *testing.T) {
			rec := get(t, h, http.MethodGet, target, nil)
			if rec.Code != http.StatusOK || rec.Body.String() != "<!doctype html><title>app</title>" {
				t.Fatalf("%d %q", rec.Code, rec.Body.String())
			}
			if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control %q", got)
			}
			if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "'wasm-unsafe-eval'") {
				t.Errorf("CSP %q", rec.Header().Get("Content-Security-Policy"))
			}
		})
	}
}

func TestPlaceholderWhenNotBuilt(t *testing.T) {
	fsys := builtFS()
	delete(fsys, "app/index.html")
	rec := get(t, NewHandler(fsys), http.MethodGet, "/worlds/x", nil)
	if rec.Code != http.StatusOK || rec.Body.String() != "placeholder" {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
}

func TestAssets(t *testing.T) {
	h := NewHandler(builtFS())
	cases := []struct {
		target, ctype string
		status        int
	}{
		{"/assets/index-abc123.js", "text/javascript; charset=utf-8", 200},
		{"/assets/core-9f8e.wasm", "application/wasm", 200},
		{"/assets/style-77aa.css", "text/css; charset=utf-8", 200},
		{"/assets/nested/x-1.js", "text/javascript; charset=utf-8", 200},
		{"/assets/missing-0000.js", "", 404},
		{"/assets/", "", 404},
		{"/assets/nested", "", 404},
		{"/assets/../secret-not-an-asset.txt", "", 404},
		{"/assets/..%2fsecret-not-an-asset.txt", "", 404},
		{"/assets/../index.html", "", 404},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			rec := get(t, h, http.MethodGet, tc.target, nil)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%q)", rec.Code, tc.status, rec.Body.String())
			}
			if tc.status != 200 {
				if strings.Contains(rec.Body.String(), "app") || rec.Header().Get("Cache-Control") != "" {
					t.Fatalf("a missing asset must be a plain 404, got %q, %q", rec.Body.String(), rec.Header().Get("Cache-Control"))
				}
				return
			}
			if got := rec.Header().Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got := rec.Header().Get("Cache-Control"); got != assetCacheControl {
				t.Errorf("Cache-Control %q", got)
			}
		})
	}
}

func TestAssetGzip(t *testing.T) {
	h := NewHandler(builtFS())
	plain := builtFS()["app/assets/index-abc123.js"].Data
	for range 2 { // the second request is served from the cached encoding
		rec := get(t, h, http.MethodGet, "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "br, gzip"})
		if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Fatalf("headers %v", rec.Header())
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("decoded %d bytes (%v), want the asset's %d", len(got), err, len(plain))
		}
	}
	for _, ae := range []string{"", "br", "gzip;q=0"} {
		rec := get(t, h, http.MethodGet, "/assets/index-abc123.js", map[string]string{"Accept-Encoding": ae})
		if rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), plain) {
			t.Fatalf("Accept-Encoding %q: got encoding %q", ae, rec.Header().Get("Content-Encoding"))
		}
	}
	// Too small to be worth it: sent as is.
	rec := get(t, h, http.MethodGet, "/assets/style-77aa.css", map[string]string{"Accept-Encoding": "gzip"})
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != "body{}" {
		t.Fatalf("small asset: %q %q", rec.Header().Get("Content-Encoding"), rec.Body.String())
	}
}

func TestMethods(t *testing.T) {
	h := NewHandler(builtFS())
	if rec := get(t, h, http.MethodHead, "/assets/index-abc123.js", nil); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Fatalf("HEAD: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := get(t, h, http.MethodPost, "/", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
}

// The embedded file system always has a page to serve: the built app or
// the committed placeholder.
func TestEmbedded(t *testing.T) {
	rec := get(t, Handler(), http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<html") {
		t.Fatalf("%d %.200q", rec.Code, rec.Body.String())
	}
	if placeholder := strings.Contains(rec.Body.String(), "atelier:placeholder"); placeholder == Built() {
		t.Fatalf("Built() = %v, but the page served is the placeholder: %v", Built(), placeholder)
	}
}
