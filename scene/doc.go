// Package scene is Atelier's scene graph as a pure domain: the world schema
// (v1), lenient reading of manifest and layer documents, writing new ones,
// and the deterministic rules that turn a layer's nodes into a tree. It
// knows nothing of sockets, HTTP or storage; docs/scene-schema.md is the
// full specification, shared with the TypeScript editor.
//
// # Schema v1
//
// A world is a manifest document plus one automerge document per layer. The
// manifest root holds schema "atelier.world/1", name, and layers: a map from
// layer id (UUID) to {name, url ("automerge:<docid>"), order}. A layer root
// holds schema "atelier.layer/1" and nodes: a map from node id (UUID) to a
// node map {name, parent, order, kind, transform {t, r, s}, components,
// asset}.
//
// Every container a node will ever need (the node map, the transform map
// and its three lists, the components map) is created in the same change
// that creates the node (AddNode does this). Two peers that concurrently
// create the same container each create a different object, and automerge
// keeps only one of them, losing the other peer's edits inside it.
//
// # Leniency
//
// Readers accept a scalar string or a Text object for every string field
// and an int, uint, float or counter for every number. A missing or
// mistyped field gets its default (name "", parent "", order "", asset "",
// kind "empty", t=[0,0,0], r=[0,0,0,1], s=[1,1,1], components {}) and a
// warning in the node's Warnings; a malformed node is still shown. Only a
// document that is not a layer (or manifest) at all is an error.
//
// # Tree rules
//
// Resolve is a pure function of the plain LayerState; every replica that
// holds the same state computes the same tree:
//
//  1. A node whose parent is "" is a child of the layer root. A node whose
//     parent is not a key of nodes (deleted, or not yet synced) is shown
//     under the layer root with Orphan set and DeclaredParent kept.
//  2. Following declared parents may close a cycle (concurrent reparents: A
//     under B on one replica, B under A on another; or a node that is its
//     own parent). In each cycle, the node with the byte-wise smallest id is
//     shown under the layer root with CycleBroken set and DeclaredParent
//     kept; every other node keeps its declared parent, so subtrees hanging
//     off a cycle stay where they are.
//  3. Siblings (including the layer root's children) sort by order, then by
//     id, both compared byte-wise on their UTF-8 encoding.
//
// The result is a forest in which every node of the state appears exactly
// once.
package scene
