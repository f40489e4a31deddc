// Package web is Atelier's browser editor as the atelier binary serves it:
// the Vite build of web/src (web/dist/app, made by `npm run build:web`),
// embedded, behind an http.Handler that answers the app's pages with its
// index.html and its hashed assets with long cache lifetimes.
//
// A checkout that has not built the app still compiles: web/dist/index.html
// is a committed placeholder page saying how to build it, served in the
// app's place.
package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Paths inside the app's file system.
const (
	appIndex         = "app/index.html" // the built app
	placeholderIndex = "index.html"     // the committed "not built" page
	assetsDir        = "app/assets"     // hashed files, served under /assets/
)

// AssetsPrefix is the URL path under which the app's hashed files are served.
const AssetsPrefix = "/assets/"

// assetCacheControl lets browsers keep a hashed file for a year without
// asking again: its name changes whenever its content does.
const assetCacheControl = "public, max-age=31536000, immutable"

// contentSecurityPolicy confines the app to its own origin. Automerge runs
// as WebAssembly ('wasm-unsafe-eval'); three.js sets inline styles on its
// canvas; the sync websocket is on the same host ('self' covers ws: and
// wss: to the same host in CSP Level 3 browsers).
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// Handler returns the handler of the app embedded in the binary.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("web: embedded dist: " + err.Error()) // fs.Sub fails only on an invalid name
	}
	return NewHandler(sub)
}

// Built reports whether the embedded app was built (false: the placeholder).
func Built() bool {
	_, err := fs.Stat(dist, "dist/"+appIndex)
	return err == nil
}

// NewHandler returns a handler serving the app in fsys, laid out as
// web/dist: a path under AssetsPrefix is the file of that name in
// app/assets (404 if there is none), with a year-long immutable cache
// lifetime and gzip when the client accepts it; any other path is a page
// of the single-page app and gets app/index.html (or, when the app was not
// built, the placeholder index.html), never cached without revalidation.
//
// The caller decides which paths reach it: atelier serves "/" and
// "/worlds/…" as pages and leaves /api, /sync, /healthz and /metrics to
// the server's own routes.
func NewHandler(fsys fs.FS) http.Handler {
	return &handler{fsys: fsys, gz: map[string]*gzipped{}}
}

type handler struct {
	fsys fs.FS

	mu sync.Mutex
	gz map[string]*gzipped // asset name → its gzip encoding, made on first request
}

// gzipped is one asset's gzip encoding, computed once.
type gzipped struct {
	once sync.Once
	data []byte // nil when compressing does not pay
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, AssetsPrefix); ok {
		h.serveAsset(w, r, rest)
		return
	}
	h.serveIndex(w, r)
}

// serveIndex answers a page of the app with its index.html.
func (h *handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	body, err := fs.ReadFile(h.fsys, appIndex)
	if errors.Is(err, fs.ErrNotExist) {
		body, err = fs.ReadFile(h.fsys, placeholderIndex)
	}
	if err != nil {
		http.Error(w, "web app missing from the binary: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Referrer-Policy", "same-origin")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(body))
}

// serveAsset answers AssetsPrefix+rest with the file app/assets/rest.
func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, rest string) {
	name := path.Join(assetsDir, rest)
	if rest == "" || !fs.ValidPath(name) || !strings.HasPrefix(name, assetsDir+"/") {
		http.NotFound(w, r)
		return
	}
	body, err := fs.ReadFile(h.fsys, name)
	if err != nil { // missing, or a directory
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", assetCacheControl)
	w.Header().Set("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		if gz := h.gzipOf(name, ctype, body); gz != nil {
			w.Header().Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// gzipOf returns the gzip encoding of an asset, made on first use, or nil
// when its type is already compressed or compression saves too little.
func (h *handler) gzipOf(name, ctype string, body []byte) []byte {
	if !compressible(ctype) || len(body) < 1024 {
		return nil
	}
	h.mu.Lock()
	g := h.gz[name]
	if g == nil {
		g = &gzipped{}
		h.gz[name] = g
	}
	h.mu.Unlock()
	g.once.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		_, _ = zw.Write(body)                                    // writes to a bytes.Buffer cannot fail
		_ = zw.Close()
		if buf.Len() < len(body)*9/10 {
			g.data = buf.Bytes()
		}
	})
	return g.data
}

// compressible reports whether a content type is worth gzipping.
func compressible(ctype string) bool {
	base, _, _ := strings.Cut(ctype, ";")
	switch base {
	case "text/javascript", "application/javascript", "text/css", "text/html", "application/json",
		"application/wasm", "image/svg+xml", "text/plain":
		return true
	}
	return false
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
