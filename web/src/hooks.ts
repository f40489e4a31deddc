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
  };
}

/** Installs the hooks on window. */
export function installHooks(h: AtelierHooks): void {
  window.__atelier = h;
}
