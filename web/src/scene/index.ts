// Atelier's scene library for the browser editor: the TypeScript twin of
// the Go package `scene` (docs/scene-schema.md). It reads layer documents
// leniently, resolves them into the outliner's tree by the shared tree
// rules, computes fractional-index orders, and plans scene operations that
// write what the Go operations write, with the same commit messages. The
// golden vectors in scene/testdata tie the two implementations together.

export * from "./types";
export * from "./errors";
export { readLayer, decodeLayerJSON, decodeNode, MAX_VALUE_DEPTH, MAX_WARNINGS } from "./decode";
export { resolve, walk, subtree, resolvedNode } from "./tree";
export { keyBetween, nKeysBetween, isOrderKey, validateKey } from "./fracindex";
export { compareBytewise } from "./strings";
export * from "./opmessage";
export { pointer, escapePointer } from "./pointer";
export type { Position } from "./position";
export type { NodeInput, WritableValue } from "./nodewrite";
export * from "./edit";
export * from "./ops";
export * from "./propops";
