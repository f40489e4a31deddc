package server

import (
	_ "embed"
	"net/http"
)

// openAPI is the HTTP API's description (OpenAPI 3.1), served at
// /api/openapi.json. TestOpenAPICoversRoutes keeps it in step with the routes.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
