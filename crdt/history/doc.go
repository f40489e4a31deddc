// Package history attributes the changes of a layer document to the scene
// nodes and properties they touched, for the history timeline and for blame.
//
// A Tracker reads each change's operations (crdt/format) in the order the
// server accepted them, without materializing the document. It keeps an
// index of every object the ops created (object id → parent object and
// key), so the (object, key) of any later op resolves to a path from the
// root such as nodes/<id>/transform/t/<element>. List elements resolve to
// indexes with the same RGA ordering automerge uses (an insert goes after
// its reference element; concurrent inserts after the same element order
// by op id, highest first, comparing counters and then actor bytes), and
// the text of each node's name is rebuilt character by character when a JS
// client writes it as a Text object, so renames show the old and the new
// name.
//
// Paths are relative to the node: "name", "parent", "order", "kind",
// "asset", "transform", "transform.t", "transform.t.0" (a list index),
// "components.light" (a component added, replaced or removed),
// "components.light.intensity". Everything a change writes inside an
// object it created itself is reported as that object: a new node is
// Created (not a list of edits), a new component is "components.light".
// Writes outside `nodes` (the schema, the `nodes` map itself, unknown
// objects) are reported in Touch.Other.
//
// Blame (Tracker.LastSet) follows the order changes were applied in, not
// automerge's conflict resolution: of two concurrent writes, the one
// applied last is blamed even if the other one's value shows. A list
// element is blamed by its index when it was written.
//
// Memory is proportional to the document's structure (objects, list
// elements including tombstones, nodes and their distinct property paths),
// not to the number of changes: objects of deleted nodes are kept (a
// concurrent change may still write into them) but the element order of a
// replaced list or text is dropped. A list or name text that grows past
// maxSeqElems elements stops being tracked (writes to it report the list's
// path without an index; such a name reads as ""). For a history of 100k
// changes over 10k nodes the tracker holds about 19 MB, 1.9 KB per node
// (BenchmarkTrackerApply).
//
// Replica (replica.go) is this package's other reader: a read-only Go
// copy of a document's values built from the same changes, which can be
// read as of any version of them (Replica.At), so the server reads old
// versions of a layer without automerge-go.
package history
