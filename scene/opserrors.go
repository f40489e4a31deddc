package scene

import "errors"

// Sentinel errors of the scene operations (ops.go and the files beside it)
// and of the fractional-index keys. Like those in errors.go they are tested
// with errors.Is and wrapped with context using %w. An operation that
// returns any of them has written nothing to the document.
var (
	// ErrNodeNotFound means an operation named a node (the node itself, a
	// parent or a sibling) that is not a key of the layer's `nodes` map.
	ErrNodeNotFound = errors.New("scene: node not found")
	// ErrWouldCycle means a reparent or move would place a node under
	// itself or under one of its descendants in the layer's current
	// resolved tree.
	ErrWouldCycle = errors.New("scene: node would become its own ancestor")
	// ErrInvalidPosition means a Position names a sibling that is not a
	// child of the target parent (or is the node being placed), names two
	// siblings that are not adjacent, or combines an explicit order with
	// siblings.
	ErrInvalidPosition = errors.New("scene: invalid position among siblings")
	// ErrInvalidProperty means SetProperty was asked to set a property it
	// does not set (only name, kind and asset; parent and order change
	// through Reparent and Reorder), or SetTransformElement was given a
	// vector other than "t", "r", "s" or an index outside it.
	ErrInvalidProperty = errors.New("scene: invalid property")
	// ErrInvalidValue means an operation was given a value it refuses to
	// write: a non-finite number, invalid UTF-8, an unsupported component
	// value type, or an author that is not valid UTF-8.
	ErrInvalidValue = errors.New("scene: invalid value")
	// ErrMalformedNode means the node exists but lacks, or holds a value of
	// the wrong type in place of, a container the operation edits in place
	// (the node map, transform, one of its lists, components). Readers show
	// such a node with defaults, but editing it in place would mean
	// creating the container now, which loses concurrent edits (writing
	// rule 1), so the operation refuses.
	ErrMalformedNode = errors.New("scene: node lacks a container the operation edits")
	// ErrComponentExists means AddComponent named a component the node
	// already has.
	ErrComponentExists = errors.New("scene: component already exists")
	// ErrComponentNotFound means an operation named a component the node
	// does not have.
	ErrComponentNotFound = errors.New("scene: component not found")
	// ErrSameLayer means MoveSubtree was given the same document as source
	// and destination; use Reparent within a layer.
	ErrSameLayer = errors.New("scene: source and destination are the same layer")
	// ErrInvalidOrderKey means KeyBetween or NKeysBetween was given a string
	// that is not a fractional-index key, bounds that are not in strictly
	// increasing order, or a negative count.
	ErrInvalidOrderKey = errors.New("scene: invalid order key")
)
