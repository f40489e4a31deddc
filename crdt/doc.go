// Package crdt is Atelier's document engine: it keeps, for every open
// automerge document, a change graph in Go and runs the server side of the
// automerge sync protocol against it, so that relaying an edit to an in-sync
// peer costs a few microseconds whatever the size of the document's history.
//
// # Why not automerge's own SyncState
//
// automerge-go's SyncState.GenerateMessage walks the document's history on
// every call (26 µs at 100 nodes, 400 µs at 5k nodes), once per peer per
// message. With 50 peers that caps a busy layer at a handful of edits per
// second. The engine here answers the same questions from an index:
//
//   - Graph: hash → (deps, actor, seq) for every change, in the order the
//     server accepted them (a topological order), plus per actor the chain of
//     its changes by seq. Raw bytes stay in the store except for a small cache
//     of recent changes.
//   - Clock: an actor → seq vector. Because an actor's changes form a chain
//     (change seq n has seq n-1 among its ancestors, which Graph.Add
//     enforces), the ancestor set of any heads is exactly described by a
//     clock, and "the changes a peer lacks" are, per actor, the seqs above its
//     clock: O(actors), not O(history).
//   - peerState: the per-(document, peer) sync state of the protocol (their
//     heads, need, have and bloom filter; what we have sent; shared heads),
//     with "has" and "sent" kept as clocks that are advanced incrementally.
//
// # Flow of an edit
//
// A peer's session hands an inbound sync message to the Hub, which routes it
// to the Document's event loop (one goroutine per open document owns all of
// its state). The loop decodes the message, parses and verifies each change
// (checksum, hash, op columns in Go; the actor chain rule; and automerge-go
// applying it to the document while the document is being written), queues
// changes whose dependencies are missing, and appends every ready change of
// the batch to the store in one transaction (group commit). Only after the
// store has committed them do they enter the graph, and so the heads: no peer
// is ever told of a change the store could still lose. Then every in-sync
// peer gets one message carrying the batch's new changes.
//
// # Memory
//
// A document's automerge-go materialization (≈100 MB for a 10k-node layer) is
// loaded only while the document is being written (to verify changes) and is
// dropped after Config.VerifierIdle. A document with no peers is closed after
// Config.DocIdle. Snapshots (compaction) are written in the background from a
// separate materialization, never on the relay path.
package crdt
