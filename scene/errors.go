package scene

import "errors"

// Sentinel errors returned by this package. Callers test them with
// errors.Is; the package wraps them with context using %w.
var (
	// ErrNotLayer means a document (or JSON state) is not a layer at all: it
	// is nil, empty, has another schema, or has neither a layer schema nor a
	// `nodes` map. A layer with malformed nodes is still a layer.
	ErrNotLayer = errors.New("scene: not a layer document")
	// ErrNotManifest means a document is not a world manifest at all: it is
	// nil, empty, has another schema, or has neither a manifest schema nor a
	// `layers` map.
	ErrNotManifest = errors.New("scene: not a world manifest document")
	// ErrUnsupportedSchema means the document declares a later (or unknown)
	// version of the layer or manifest schema, which this reader does not
	// interpret rather than misread.
	ErrUnsupportedSchema = errors.New("scene: unsupported schema version")
	// ErrNodeExists means AddNode was given an id already present in the
	// layer's `nodes` map; nothing was written.
	ErrNodeExists = errors.New("scene: node already exists")
	// ErrInvalidNode means AddNode was given a node it refuses to write (bad
	// id or parent, non-finite number, invalid UTF-8, unsupported component
	// value); nothing was written.
	ErrInvalidNode = errors.New("scene: invalid node")
	// ErrInvalidManifest means NewManifestDoc was given layers it refuses to
	// write (bad or duplicate id, bad URL, invalid UTF-8).
	ErrInvalidManifest = errors.New("scene: invalid manifest")
)
