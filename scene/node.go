package scene

// Schema identifiers written in the root `schema` field of each document.
const (
	// LayerSchema identifies a layer document of schema version 1.
	LayerSchema = "atelier.layer/1"
	// ManifestSchema identifies a world manifest document of schema version 1.
	ManifestSchema = "atelier.world/1"
)

// Well-known node kinds. Kind is an open set: readers show unknown kinds
// as they are, and a missing, mistyped or empty kind reads as KindEmpty.
const (
	// KindEmpty is a node with no content of its own (a transform only).
	KindEmpty = "empty"
	// KindGroup is a node that exists to group its children.
	KindGroup = "group"
	// KindMesh is a node that renders the mesh named by its asset.
	KindMesh = "mesh"
	// KindLight is a light source; its parameters live in components.
	KindLight = "light"
	// KindCamera is a camera; its parameters live in components.
	KindCamera = "camera"
)

// NodeID identifies a node within a layer. Writers use canonical lowercase
// UUIDs; readers and the tree rules treat ids as opaque strings compared
// byte-wise. The empty NodeID is never a node: as a parent it means "the
// layer root".
type NodeID string

// Vec3 is a 3-vector [x, y, z].
type Vec3 [3]float64

// Quat is a rotation quaternion [x, y, z, w]; the identity is [0, 0, 0, 1].
type Quat [4]float64

// Transform is a node's local transform relative to its parent: translation
// T, rotation R and scale S. In a document each of the three is a list
// whose elements are edited one by one, so concurrent edits of different
// components of the same vector all survive.
type Transform struct {
	T Vec3 `json:"t"`
	R Quat `json:"r"`
	S Vec3 `json:"s"`
}

// IdentityTransform returns the default transform: T=[0,0,0], R=[0,0,0,1],
// S=[1,1,1]. Readers use its elements for any missing or mistyped element.
func IdentityTransform() Transform {
	return Transform{R: Quat{0, 0, 0, 1}, S: Vec3{1, 1, 1}}
}

// Node is one scene node as stored in a layer document, after lenient
// decoding. Parent is the parent the document declares, which may name a
// node that does not exist; Resolve decides where the node is shown.
//
// Components maps a component name to its fields. Field values are plain
// values: nil, bool, string, int64, uint64, float64, []byte, time.Time,
// []any and map[string]any (automerge Text reads as string, counters as
// int64).
//
// Warnings lists, in a stable order, every field that was missing or
// mistyped and replaced by its default. It is informational: a node with
// warnings is still a node.
type Node struct {
	ID         NodeID                    `json:"id"`
	Name       string                    `json:"name"`
	Kind       string                    `json:"kind"`
	Parent     NodeID                    `json:"parent"`
	Order      string                    `json:"order"`
	Asset      string                    `json:"asset"`
	Transform  Transform                 `json:"transform"`
	Components map[string]map[string]any `json:"components"`
	Warnings   []string                  `json:"warnings,omitempty"`
}

// defaultNode returns a node with every field at its documented default.
func defaultNode(id NodeID) Node {
	return Node{
		ID:         id,
		Kind:       KindEmpty,
		Transform:  IdentityTransform(),
		Components: map[string]map[string]any{},
	}
}
