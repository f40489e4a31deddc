// The world list ("/"): the worlds the user has a role on, a form to
// create one, and renaming for editors and owners. Opening a world is a
// plain link to its editor page.

import { canEdit, type Api, type World } from "../api";
import { worldPath } from "../deeplink";
import { h } from "../dom";
import type { Shell } from "../shell";
import type { Status } from "../status";

export interface WorldsPage {
  worlds(): World[];
  /** The list has been fetched (or failed) at least once. */
  loaded(): boolean;
  reload(): Promise<void>;
}

export function mountWorldsPage(shell: Shell, api: Api, status: Status): WorldsPage {
  let worlds: World[] = [];
  let loaded = false;
  shell.title.replaceChildren(h("h1", { text: "Worlds" }));
  document.title = "Worlds · Atelier";

  const nameInput = h("input", { type: "text", name: "name", placeholder: "New world name", required: true, maxlength: 200, "aria-label": "New world name" });
  const createButton = h("button", { type: "submit", text: "Create world" });
  const form = h("form", { class: "create-world" }, nameInput, createButton);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = nameInput.value.trim();
    if (name === "") return;
    createButton.disabled = true;
    api
      .createWorld(name)
      .then((w) => location.assign(worldPath(w.id)))
      .catch((err: unknown) => status.error("creating the world", err))
      .finally(() => (createButton.disabled = false));
  });

  const list = h("table", { class: "worlds" });
  const empty = h("p", { class: "empty", text: "Loading…" });
  shell.main.replaceChildren(h("section", { class: "worlds-page" }, form, empty, list));

  const render = (): void => {
    empty.textContent = worlds.length === 0 ? "No worlds yet: create one above." : "";
    empty.hidden = worlds.length > 0;
    list.replaceChildren(
      h("thead", {}, h("tr", {}, ...["Name", "Layers", "Created", "By", "Role", ""].map((t) => h("th", { text: t })))),
      h("tbody", {}, ...worlds.map((w) => worldRow(w))),
    );
  };

  const worldRow = (w: World): HTMLElement => {
    const nameCell = h("td", { class: "world-name" }, h("a", { href: worldPath(w.id), text: w.name, "data-world": w.id }));
    const actions = h("td", { class: "actions" });
    if (canEdit(w.role)) {
      const rename = h("button", { type: "button", class: "small", text: "Rename" });
      rename.addEventListener("click", () => startRename(w, nameCell));
      actions.append(rename);
    }
    const created = w.createdAt === "" ? "" : new Date(w.createdAt).toLocaleString();
    return h(
      "tr",
      { "data-world": w.id },
      nameCell,
      h("td", { text: String(w.layers.length) }),
      h("td", { text: created }),
      h("td", { text: w.createdBy }),
      h("td", { text: w.role }),
      actions,
    );
  };

  const startRename = (w: World, cell: HTMLElement): void => {
    const input = h("input", { type: "text", name: "rename", value: w.name, required: true, maxlength: 200, "aria-label": `Rename ${w.name}` });
    const f = h("form", { class: "rename" }, input, h("button", { type: "submit", text: "Save" }), h("button", { type: "button", text: "Cancel", onclick: () => render() }));
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      api
        .renameWorld(w.id, input.value.trim())
        .then((renamed) => {
          worlds = worlds.map((x) => (x.id === renamed.id ? renamed : x));
          status.info(`renamed to ${renamed.name}`);
          render();
        })
        .catch((err: unknown) => status.error(`renaming ${w.name}`, err));
    });
    cell.replaceChildren(f);
    input.select();
  };

  const reload = async (): Promise<void> => {
    try {
      worlds = await api.listWorlds();
      render();
    } catch (err) {
      empty.textContent = "Could not list the worlds (see the status bar).";
      status.error("listing worlds", err);
    }
    loaded = true;
  };
  void reload();
  return { worlds: () => worlds, loaded: () => loaded, reload };
}
