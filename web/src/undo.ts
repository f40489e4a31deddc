// Undo and redo through the server's history (docs/api.md, POST revert):
// undo is "revert my latest change not yet reverted", redo is "revert my
// latest undo", so undo works across reloads and tabs and never rewrites
// history. The stacks are computed from the timeline (stacksFromHistory,
// pure) and kept in memory for the session; before each undo or redo the
// newest page is read again, waiting briefly for this editor's own latest
// changes to reach the server, so Ctrl+Z right after an edit undoes it.

import { errorText } from "./api";
import type { Conflict, HistoryApi, HistoryEntry, LayerWrite } from "./historyapi";
import { parseOpMessage } from "./scene";

/** One undoable (or redoable) step: the change to revert, and what it did. */
export interface UndoItem {
  /** The change a revert of which undoes (or redoes) the step. */
  hash: string;
  /** What the original change did, for the status bar. */
  summary: string;
}

/** The stacks, top last. */
export interface UndoStacks {
  undo: UndoItem[];
  redo: UndoItem[];
}

/** The change a revert change reverted (its message's linkChange), or "" for any other change. */
export function revertedBy(message: string): string {
  const op = parseOpMessage(message);
  return op?.op === "revert" ? (op.linkChange ?? "") : "";
}

function describe(e: HistoryEntry): string {
  return e.summary || e.message || e.hash.slice(0, 12);
}

/**
 * Computes the undo and redo stacks of a user from a timeline given newest
 * first (as GET /history returns it), replaying it oldest first:
 *
 *  - a change of the user pushes onto undo and clears redo;
 *  - a revert (by the user) of an item on undo is an undo: the item leaves
 *    undo and the revert goes onto redo (redo = revert the revert);
 *  - a revert (by the user) of an item on redo is a redo: the item leaves
 *    redo and the revert goes onto undo (with the original summary);
 *  - a revert by someone else of an item of either stack removes it;
 *  - a revert of anything else is an ordinary change;
 *  - manifest changes, and hashes in skip, are ignored.
 */
export function stacksFromHistory(newestFirst: readonly HistoryEntry[], user: string, skip: ReadonlySet<string> = new Set()): UndoStacks {
  const undo: UndoItem[] = [];
  const redo: UndoItem[] = [];
  const take = (stack: UndoItem[], hash: string): UndoItem | undefined => {
    const i = stack.findIndex((x) => x.hash === hash);
    return i < 0 ? undefined : stack.splice(i, 1)[0];
  };
  for (let i = newestFirst.length - 1; i >= 0; i--) {
    const e = newestFirst[i]!;
    if (e.layer === "manifest") continue;
    const target = revertedBy(e.message);
    const mine = e.user === user;
    if (target !== "") {
      const undone = take(undo, target);
      const redone = undone === undefined ? take(redo, target) : undefined;
      if (!mine) continue;
      if (undone !== undefined) {
        redo.push({ hash: e.hash, summary: undone.summary });
        continue;
      }
      if (redone !== undefined) {
        undo.push({ hash: e.hash, summary: redone.summary });
        continue;
      }
    }
    if (!mine) continue;
    if (skip.has(e.hash)) continue;
    undo.push({ hash: e.hash, summary: describe(e) });
    redo.length = 0;
  }
  return {
    undo: undo.filter((x) => !skip.has(x.hash)),
    redo: redo.filter((x) => !skip.has(x.hash)),
  };
}

/** What an undo or redo did. */
export interface UndoOutcome {
  /** "nothing" when the stack was empty. */
  kind: "undone" | "redone" | "nothing" | "conflicted";
  summary: string;
  change: string;
  conflicts: Conflict[];
}

/** What the manager needs of the editor. */
export interface UndoSource {
  /** The heads (hex) of the loaded layers' documents. */
  heads(): string[];
  /** When this editor last wrote a change (ms since the epoch). */
  lastLocalChangeAt(): number;
}

/** How many entries one refresh reads (the server's page limit). */
const PAGE = 500;
/** How long to wait for this editor's own changes to reach the server. */
const SYNC_WAIT_MS = 3000;

/** The undo and redo stacks of one user in one editor session. */
export class UndoManager {
  readonly #api: HistoryApi;
  readonly #user: string;
  readonly #src: UndoSource;
  /** Changes whose revert wrote nothing (every effect conflicted): not offered again. */
  readonly #skip = new Set<string>();
  stacks: UndoStacks = { undo: [], redo: [] };
  #busy = false;

  constructor(api: HistoryApi, user: string, src: UndoSource) {
    this.#api = api;
    this.#user = user;
    this.#src = src;
  }

  /** Re-reads the newest page of the timeline (after this editor's last changes arrived) and recomputes the stacks. */
  async refresh(): Promise<void> {
    const deadline = Date.now() + (Date.now() - this.#src.lastLocalChangeAt() < 30_000 ? SYNC_WAIT_MS : 0);
    for (;;) {
      const page = await this.#api.history({ limit: PAGE });
      const known = new Set(page.changes.map((c) => c.hash));
      if (Date.now() >= deadline || this.#src.heads().every((h) => known.has(h))) {
        this.stacks = stacksFromHistory(page.changes, this.#user, this.#skip);
        return;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Reverts the latest change of the user not yet undone. */
  undo(): Promise<UndoOutcome> {
    return this.#step("undo");
  }

  /** Reverts the latest undo, if nothing of the user came after it. */
  redo(): Promise<UndoOutcome> {
    return this.#step("redo");
  }

  async #step(which: "undo" | "redo"): Promise<UndoOutcome> {
    if (this.#busy) throw new Error(`an undo or redo is in progress`);
    this.#busy = true;
    try {
      await this.refresh();
      const from = which === "undo" ? this.stacks.undo : this.stacks.redo;
      const to = which === "undo" ? this.stacks.redo : this.stacks.undo;
      const top = from.at(-1);
      if (top === undefined) return { kind: "nothing", summary: "", change: "", conflicts: [] };
      let w: LayerWrite;
      try {
        w = await this.#api.revert(top.hash);
      } catch (err) {
        throw new Error(`${which} "${top.summary}": ${errorText(err)}`);
      }
      from.pop();
      if (w.change === "") {
        this.#skip.add(top.hash);
        return { kind: "conflicted", summary: top.summary, change: "", conflicts: w.conflicts };
      }
      to.push({ hash: w.change, summary: top.summary });
      return { kind: which === "undo" ? "undone" : "redone", summary: top.summary, change: w.change, conflicts: w.conflicts };
    } finally {
      this.#busy = false;
    }
  }
}

/** A one-line description of an outcome, for the status bar. */
export function outcomeText(o: UndoOutcome, which: "undo" | "redo"): string {
  if (o.kind === "nothing") return which === "undo" ? "nothing to undo" : "nothing to redo";
  const c = o.conflicts.length;
  const conflicts = c === 0 ? "" : `; ${c} conflict${c === 1 ? "" : "s"} left as they are (${conflictText(o.conflicts)})`;
  if (o.kind === "conflicted") return `could not ${which} "${o.summary}": changed since by later edits${conflicts}`;
  return `${o.kind} "${o.summary}"${conflicts}`;
}

/** Conflicts as "node/path (reason)", at most three. */
export function conflictText(cs: readonly Conflict[]): string {
  const shown = cs.slice(0, 3).map((c) => `${c.node.slice(0, 8)}${c.path} (${c.reason})`);
  return shown.join(", ") + (cs.length > 3 ? `, … ${cs.length - 3} more` : "");
}
