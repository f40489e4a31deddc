// window.__atelier: read-only hooks for browser tests (Playwright) to
// observe the editor without scraping the DOM, and a few actions that
// stand in for pointer gestures. Not an API for anything else.

import type { CameraPose } from "./deeplink";
import type { ConnectionState } from "./status";
import type { Pick } from "./viewport";

/** A layer as the hooks report it. */
export interface LayerInfo {
  id: string;
  name: string;
  loaded: boolean;
  ready: boolean;
  visible: boolean;
  /** Shown from the server's copy while the document arrives (read-only). */
  preview: boolean;
  nodes: number;
  error: string;
}

/** The hooks. Every function reads the current state. */
export interface AtelierHooks {
  /** Bumped when the hooks change incompatibly. */
  version: 1;
  page: "worlds" | "editor" | "not-found";
  /** The user the page acts as. */
  user(): string;
  /** Sync connection state. */
  connection(): ConnectionState;
  /** Every error the status bar has shown, oldest first. */
  errors(): string[];
  /** World list only: the worlds listed ([] elsewhere). */
  worlds(): Array<{ id: string; name: string }>;
  /** Editor only: the world's id ("" elsewhere). */
  worldId: string;
  /** Editor only: every loaded layer has loaded (or failed). */
  ready(): boolean;
  selection(): Pick | null;
  /** Nodes in the loaded layers. */
  nodeCount(): number;
  layers(): LayerInfo[];
  /** When a change from another peer last arrived (ms since the epoch; 0 if none). */
  lastRemoteChangeAt(): number;
  /** When this editor last wrote a change (0 if none). */
  lastLocalChangeAt(): number;
  /** Node objects drawn in the viewport (-1 without WebGL). */
  viewportObjects(): number;
  camera(): CameraPose | null;
  /** Where a node's origin is drawn, in client pixels (null: not drawn, or no WebGL). */
  screenPosition(node: string): { x: number; y: number } | null;
  /** Selects a node as a click would (null clears); false if it is not in a loaded layer. */
  select(node: string | null): boolean;
  /** Every selected node id, the primary selection first. */
  selectedNodes(): string[];
  /** Selects several nodes (as box select does); false if one is not in a loaded layer. */
  selectNodes(nodes: string[]): boolean;
  /** The other peers present in the world (presence). */
  peers(): PeerInfo[];
  /** When the viewport last repainted a remote change (ms since the epoch; 0 if never). */
  lastRepaintAt(): number;
  /** Remote change → repaint delays (ms), oldest first, at most the last 200. */
  repaintDelays(): number[];
  /** The sync debounce rate automerge-repo uses (ms; -1 when unknown). */
  syncDebounceRate(): number;
  /** The transform gizmo (null: none, e.g. read only). */
  gizmo(): GizmoInfo | null;
  setGizmoMode(mode: "translate" | "rotate" | "scale"): void;
  /** Outlines drawn for the secondary selection and other peers' selections. */
  overlayOutlines(): number;
}

/** A peer as the hooks report it. */
export interface PeerInfo {
  user: string;
  colour: string;
  selection: string[];
  editing: string | null;
  camera: CameraPose | null;
}

/** The gizmo as the hooks report it. */
export interface GizmoInfo {
  mode: string;
  /** The node it is on (null: none). */
  attached: string | null;
  dragging: boolean;
  /** Writes made by drags so far. */
  writes: number;
  /** The handle under the pointer (X, Y, Z, XY…; null: none). */
  axis: string | null;
}

declare global {
  interface Window {
    __atelier?: AtelierHooks;
  }
}

const none = (): never[] => [];

/** Hooks for a page with no world open; the editor overrides the rest. */
export function baseHooks(page: AtelierHooks["page"], user: () => string, connection: () => ConnectionState, errors: () => string[]): AtelierHooks {
  return {
    version: 1,
    page,
    user,
    connection,
    errors,
    worlds: none,
    worldId: "",
    ready: () => true,
    selection: () => null,
    nodeCount: () => 0,
    layers: none,
    lastRemoteChangeAt: () => 0,
    lastLocalChangeAt: () => 0,
    viewportObjects: () => -1,
    camera: () => null,
    screenPosition: () => null,
    select: () => false,
    selectedNodes: none,
    selectNodes: () => false,
    peers: none,
    lastRepaintAt: () => 0,
    repaintDelays: none,
    syncDebounceRate: () => -1,
    gizmo: () => null,
    setGizmoMode: () => {},
    overlayOutlines: () => 0,
  };
}

/** Installs the hooks on window. */
export function installHooks(h: AtelierHooks): void {
  window.__atelier = h;
}
