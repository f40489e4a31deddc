// The history panel: the world's timeline (newest first, paged), named
// versions and branches. Clicking a change or a version shows the world as
// it was then, read only, under a banner with "Back to live", "Diff
// against now" (added/removed/moved/changed nodes outlined in the viewport
// and marked in the outliner), "Restore node" and "Restore world". Branches
// are created from now or from the version viewed, opened (the branch is
// a world of its own) and merged after a preview of what the merge does.
// Every failure (403 for viewers, 404, 409 for a name in use or a cycle)
// goes to the status bar.

import type { LayerId, World } from "../api";
import "../history.css";
import { countsText, diffHighlights, mergeRemoved, type DiffMark, type Highlights } from "../diffview";
import { h } from "../dom";
import type { Branch, HistoryApi, HistoryEntry, LayerDiff, LayerWrite, SceneLayer, Version } from "../historyapi";
import type { Tree } from "../scene";
import type { Status } from "../status";
import { conflictText } from "../undo";
import type { Pick } from "../viewport";

/** The world as it was at a version, as the editor shows it. */
export interface VersionView {
  /** The VERSION: a change hash or a version name. */
  at: string;
  /** What the banner calls it. */
  label: string;
  layers: SceneLayer[];
  /** Set by "Diff against now": the marks, and the layers include removed nodes as ghosts. */
  highlights: Highlights | null;
  diffText: string;
}

/** What the panel needs of the editor. */
export interface HistoryHost {
  readonly api: HistoryApi;
  readonly world: World;
  readonly user: string;
  readonly editable: boolean;
  readonly status: Status;
  /** The selected node (in the version when one is viewed). */
  selection(): Pick | null;
  /** The current tree of a loaded layer, or null. */
  liveTree(layer: LayerId): Tree | null;
  /** Shows a version read only (null: back to live). */
  show(view: VersionView | null): void;
  /** Opens another world's editor. */
  open(worldId: string): void;
}

/** Entries per page of the timeline. */
export const PAGE_SIZE = 50;

export class HistoryPanel {
  readonly el: HTMLElement;
  /** The read-only banner, placed over the viewport by the editor. */
  readonly banner: HTMLElement;
  readonly #host: HistoryHost;
  readonly #list: HTMLOListElement;
  readonly #more: HTMLButtonElement;
  readonly #versions: HTMLElement;
  readonly #branches: HTMLElement;
  readonly #result: HTMLElement;
  #entries: HistoryEntry[] = [];
  #next = "";
  #view: VersionView | null = null;
  #refreshTimer = 0;

  constructor(host: HistoryHost) {
    this.#host = host;
    this.#list = h("ol", { class: "timeline", "aria-label": "Timeline" });
    this.#more = h("button", { type: "button", class: "small load-more", text: "Load more", hidden: true });
    this.#more.addEventListener("click", () => void this.#load(false));
    const refresh = h("button", { type: "button", class: "small", text: "Refresh" });
    refresh.addEventListener("click", () => void this.refresh());
    this.#versions = h("div", { class: "versions" });
    this.#branches = h("div", { class: "branches" });
    this.#result = h("div", { class: "history-result", role: "status" });
    this.banner = h("div", { class: "version-banner", hidden: true });
    this.el = h(
      "div",
      { class: "history" },
      h("div", { class: "history-bar" }, refresh),
      this.#result,
      this.#list,
      this.#more,
      h("h3", { text: "Named versions" }),
      this.#versions,
      h("h3", { text: "Branches" }),
      this.#branches,
    );
  }

  /** The version shown, or null when live. */
  get viewing(): VersionView | null {
    return this.#view;
  }

  /** Loads the timeline, the versions and the branches. */
  async open(): Promise<void> {
    await Promise.all([this.refresh(), this.#loadVersions(), this.#loadBranches()]);
  }

  /** Reloads the first page of the timeline. */
  async refresh(): Promise<void> {
    await this.#load(true);
  }

  /** Refreshes the timeline a moment after the documents change (at most once a second). */
  changed(): void {
    if (this.#refreshTimer !== 0) return;
    this.#refreshTimer = window.setTimeout(() => {
      this.#refreshTimer = 0;
      if (this.#entries.length <= PAGE_SIZE) void this.refresh();
    }, 1000);
  }

  /** Leaves the version view. */
  backToLive(): void {
    this.#setView(null);
  }

  /** Marks the outliner's rows of highlighted nodes (call after each outliner render). */
  markOutliner(outliner: HTMLElement): void {
    const hl = this.#view?.highlights;
    if (!hl) return;
    for (const row of outliner.querySelectorAll<HTMLElement>(".node-row[data-node]")) {
      const mark = hl.get(row.dataset["layer"] ?? "")?.get(row.dataset["node"] ?? "");
      if (mark === undefined) continue;
      row.classList.add(`diff-${mark}`);
      row.dataset["diff"] = mark;
      row.append(h("span", { class: `badge diff-badge diff-${mark}`, text: mark }));
    }
  }

  async #load(first: boolean): Promise<void> {
    try {
      const page = await this.#host.api.history({ limit: PAGE_SIZE, before: first ? undefined : this.#next });
      this.#entries = first ? page.changes : [...this.#entries, ...page.changes];
      this.#next = page.next;
      this.#renderTimeline();
    } catch (err) {
      this.#host.status.error("loading the history", err);
    }
  }

  #renderTimeline(): void {
    const layerName = (id: string): string =>
      id === "manifest" ? "world" : (this.#host.world.layers.find((l) => l.id === id)?.name ?? id.slice(0, 8));
    this.#list.replaceChildren(
      ...this.#entries.map((e) => {
        const time = new Date(e.receivedAt || e.time);
        const view = h("button", { type: "button", class: "entry-view", title: `View the world as of this change (${e.hash.slice(0, 12)})` },
          h("span", { class: "summary", text: e.summary || e.message || "(no message)" }),
          h("span", { class: "meta", text: `${e.user || "?"} · ${layerName(e.layer)} · ${isNaN(time.getTime()) ? "" : time.toLocaleString()}` }),
        );
        view.addEventListener("click", () => void this.#viewAt(e.hash, `${e.summary || e.hash.slice(0, 12)} (${e.user}, ${time.toLocaleTimeString()})`));
        const revert = h("button", { type: "button", class: "small", text: "Revert", title: "Undo exactly this change, as a new change", disabled: !this.#host.editable || e.layer === "manifest" });
        revert.addEventListener("click", () => void this.#revert(e));
        const current = this.#view?.at === e.hash;
        return h("li", { class: `entry${current ? " current" : ""}`, "data-hash": e.hash }, view, revert);
      }),
    );
    if (this.#entries.length === 0) this.#list.append(h("li", { class: "empty", text: "No changes yet." }));
    this.#more.hidden = this.#next === "";
  }

  async #viewAt(at: string, label: string): Promise<void> {
    try {
      const layers = await this.#host.api.scene(at);
      this.#setView({ at, label, layers, highlights: null, diffText: "" });
    } catch (err) {
      this.#host.status.error(`viewing version ${at.slice(0, 16)}`, err);
    }
  }

  #setView(view: VersionView | null): void {
    this.#view = view;
    this.#host.show(view);
    this.#renderBanner();
    this.#renderTimeline();
    void this.#loadBranches();
  }

  #renderBanner(): void {
    const v = this.#view;
    this.banner.hidden = v === null;
    if (v === null) {
      this.banner.replaceChildren();
      return;
    }
    const btn = (text: string, title: string, fn: () => void, disabled = false): HTMLButtonElement => {
      const b = h("button", { type: "button", class: "small", text, title, disabled });
      b.addEventListener("click", fn);
      return b;
    };
    const ro = !this.#host.editable;
    this.banner.replaceChildren(
      h("span", { class: "banner-text", text: `Viewing version ${v.label} — read-only` }),
      v.diffText ? h("span", { class: "diff-summary", text: ` · diff against now: ${v.diffText}` }) : "",
      btn("Back to live", "Return to the live world", () => this.backToLive()),
      v.highlights === null
        ? btn("Diff against now", "Outline what changed since this version", () => void this.#diffNow())
        : btn("Hide diff", "Show the version without the diff", () => void this.#viewAt(v.at, v.label)),
      btn("Restore node", "Make the selected node as it was in this version", () => void this.#restore(true), ro),
      btn("Restore world", "Make the whole world as it was in this version (one new change per layer)", () => void this.#restore(false), ro),
    );
  }

  async #diffNow(): Promise<void> {
    const v = this.#view;
    if (v === null) return;
    try {
      const [diffs, old] = [await this.#host.api.diff(v.at), v.layers];
      const highlights = diffHighlights(diffs);
      const layers = old.map((l): SceneLayer => {
        const now = this.#host.liveTree(l.id);
        const removed = diffs.find((d) => d.id === l.id)?.diff.removed ?? [];
        return now === null ? l : { ...l, tree: mergeRemoved(now, l.tree, removed) };
      });
      this.#setView({ ...v, layers, highlights, diffText: countsText(highlights) });
    } catch (err) {
      this.#host.status.error(`diff of ${v.label} against now`, err);
    }
  }

  async #restore(node: boolean): Promise<void> {
    const v = this.#view;
    if (v === null) return;
    const sel = this.#host.selection();
    if (node && sel === null) {
      this.#host.status.error("restore node: select a node first");
      return;
    }
    try {
      const writes = await this.#host.api.restore(node && sel ? { at: v.at, layer: sel.layer, nodes: [sel.node] } : { at: v.at });
      const text = `${node ? `restored node ${sel?.node.slice(0, 8)}` : "restored the world"} to ${v.label}: ${writesText(writes)}`;
      this.#showResult(text);
      this.#host.status.info(text);
      if (!node) this.backToLive();
      void this.refresh();
    } catch (err) {
      this.#host.status.error(node ? "restore node" : "restore world", err);
    }
  }

  async #revert(e: HistoryEntry): Promise<void> {
    try {
      const w = await this.#host.api.revert(e.hash);
      const text = w.change === ""
        ? `nothing reverted of "${e.summary}"${w.conflicts.length ? `: changed since (${conflictText(w.conflicts)})` : ""}`
        : `reverted "${e.summary}": ${writesText([w])}`;
      this.#showResult(text);
      this.#host.status.info(text);
      void this.refresh();
    } catch (err) {
      this.#host.status.error(`revert "${e.summary}"`, err);
    }
  }

  #showResult(text: string): void {
    this.#result.replaceChildren(h("p", { text }));
  }

  async #loadVersions(): Promise<void> {
    let versions: Version[];
    try {
      versions = await this.#host.api.versions();
    } catch (err) {
      this.#host.status.error("loading the named versions", err);
      return;
    }
    const name = h("input", { type: "text", name: "version-name", placeholder: "version name", maxlength: 200, required: true, disabled: !this.#host.editable, "aria-label": "Version name" });
    const form = h("form", { class: "create-version" }, name, h("button", { type: "submit", class: "small", text: "Name this version", disabled: !this.#host.editable }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.#host.api.createVersion(name.value.trim()).then(
        (v) => {
          this.#host.status.info(`named the current version "${v.name}"`);
          void this.#loadVersions();
        },
        (err: unknown) => this.#host.status.error("naming the version", err),
      );
    });
    this.#versions.replaceChildren(
      h("ul", { class: "version-list" },
        ...versions.map((v) => {
          const b = h("button", { type: "button", class: "link", text: v.name, title: `View ${v.name} (${v.createdBy}, ${v.createdAt})` });
          b.addEventListener("click", () => void this.#viewAt(v.name, `"${v.name}"`));
          return h("li", { "data-version": v.name }, b, h("span", { class: "meta", text: ` ${v.createdBy} · ${new Date(v.createdAt).toLocaleString()}` }));
        }),
      ),
      versions.length === 0 ? h("p", { class: "empty", text: "No named versions." }) : "",
      form,
    );
  }

  async #loadBranches(): Promise<void> {
    let branches: Branch[];
    try {
      branches = await this.#host.api.branches();
    } catch (err) {
      this.#host.status.error("loading the branches", err);
      return;
    }
    const ro = !this.#host.editable;
    const name = h("input", { type: "text", name: "branch-name", placeholder: "branch name", required: true, disabled: ro, "aria-label": "Branch name" });
    const v = this.#view;
    const from = v !== null ? `from ${v.label}` : "from now";
    const form = h("form", { class: "create-branch" }, name, h("button", { type: "submit", class: "small", text: `Branch ${from}`, disabled: ro }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.#host.api.createBranch(name.value.trim(), v?.at).then(
        (b) => {
          this.#host.status.info(`created branch "${b.branch || b.name}" ${from}`);
          void this.#loadBranches();
        },
        (err: unknown) => this.#host.status.error("creating the branch", err),
      );
    });
    this.#branches.replaceChildren(
      h("ul", { class: "branch-list" }, ...branches.map((b) => this.#branchRow(b))),
      branches.length === 0 ? h("p", { class: "empty", text: "No branches." }) : "",
      form,
    );
  }

  #branchRow(b: Branch): HTMLElement {
    const open = h("button", { type: "button", class: "link", text: b.branch || b.name, title: "Switch to this branch (its own editor)" });
    open.addEventListener("click", () => this.#host.open(b.id));
    const preview = h("button", { type: "button", class: "small", text: "Merge…", title: "Preview what merging this branch into this world does", disabled: !this.#host.editable });
    const box = h("div", { class: "merge-preview" });
    preview.addEventListener("click", () => void this.#preview(b, box));
    return h("li", { "data-branch": b.id }, open, " ", preview, box);
  }

  async #preview(b: Branch, box: HTMLElement): Promise<void> {
    let diffs: LayerDiff[];
    try {
      diffs = await this.#host.api.mergePreview(b.id);
    } catch (err) {
      this.#host.status.error(`merge preview of ${b.branch || b.name}`, err);
      return;
    }
    const confirm = h("button", { type: "button", class: "small confirm-merge", text: `Merge into ${this.#host.world.name}` });
    const cancel = h("button", { type: "button", class: "small", text: "Cancel" });
    cancel.addEventListener("click", () => box.replaceChildren());
    confirm.addEventListener("click", () => {
      confirm.disabled = true;
      this.#host.api.merge(b.id).then(
        (layers) => {
          const n = layers.reduce((s, l) => s + l.changes, 0);
          const text = `merged ${b.branch || b.name}: ${n} change${n === 1 ? "" : "s"} into ${layers.length} layer${layers.length === 1 ? "" : "s"}`;
          box.replaceChildren(h("p", { text }));
          this.#host.status.info(text);
          void this.refresh();
        },
        (err: unknown) => {
          confirm.disabled = false;
          this.#host.status.error(`merging ${b.branch || b.name}`, err);
        },
      );
    });
    box.replaceChildren(
      h("ul", { class: "preview-layers" }, ...diffs.map((d) => h("li", {}, h("strong", { text: d.name || d.id.slice(0, 8) }), `: ${countsText(diffHighlights([d]))}`, this.#previewDetails(d)))),
      confirm,
      cancel,
    );
  }

  /** The first few nodes a layer's diff touches, by name where this world knows them. */
  #previewDetails(d: LayerDiff): HTMLElement | null {
    const marks = diffHighlights([d]).get(d.id);
    if (!marks) return null;
    const tree = this.#host.liveTree(d.id as LayerId);
    const items = [...marks].slice(0, 8).map(([id, mark]: [string, DiffMark]) =>
      h("li", { class: `diff-${mark}`, text: `${mark}: ${tree?.nodes[id]?.name || id.slice(0, 8)}` }));
    if (marks.size > 8) items.push(h("li", { text: `… ${marks.size - 8} more` }));
    return h("ul", { class: "preview-nodes" }, ...items);
  }
}

/** "Main: 1 created, 2 updated" over every layer written. */
export function writesText(writes: readonly LayerWrite[]): string {
  const parts = writes.map((w) => {
    if (w.change === "") return `${w.layer.slice(0, 8)}: nothing to change`;
    const bits = [["created", w.created.length], ["deleted", w.deleted.length], ["updated", w.updated.length]] as const;
    const s = bits.filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ") || "no node changes";
    return `${s}${w.conflicts.length ? `; conflicts: ${conflictText(w.conflicts)}` : ""} (change ${w.change.slice(0, 8)})`;
  });
  return parts.length === 0 ? "nothing to change" : parts.join("; ");
}
