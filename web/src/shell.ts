// The page frame every page shares: a header (home link, page title, the
// user), the page's content and the status bar.

import type { Credentials } from "./api";
import { h } from "./dom";
import { displayName, saveToken, saveUser, userNameProblem, type KeyValueStore } from "./identity";
import type { Status } from "./status";

export interface Shell {
  header: HTMLElement;
  /** Where the page puts its title (and title actions). */
  title: HTMLElement;
  main: HTMLElement;
  footer: HTMLElement;
}

/** Builds the frame into root. Changing the user reloads the page (the sync connection names the user). */
export function mountShell(root: HTMLElement, cred: Credentials, store: KeyValueStore, status: Status): Shell {
  const title = h("div", { class: "title" });
  const header = h("header", { class: "app-header" }, h("a", { class: "brand", href: "/", text: "Atelier" }), title, userBox(cred, store, status));
  const main = h("main", { class: "app-main" });
  const footer = h("footer", {});
  status.mount(footer);
  root.replaceChildren(header, main, footer);
  return { header, title, main, footer };
}

function userBox(cred: Credentials, store: KeyValueStore, status: Status): HTMLElement {
  const box = h("div", { class: "user" });
  const show = (): void => {
    const change = h("button", { type: "button", class: "small", text: cred.user === "" ? "Choose a name" : "Change" });
    change.addEventListener("click", edit);
    box.replaceChildren(h("span", { class: "user-label", text: "User " }), h("strong", { class: "user-name", text: displayName(cred) }), change);
  };
  const edit = (): void => {
    const input = h("input", { type: "text", name: "user", value: cred.user, placeholder: "your name", "aria-label": "User name", maxlength: 128 });
    const token = h("input", { type: "password", name: "token", value: cred.token, placeholder: "token (optional)", "aria-label": "Bearer token" });
    const form = h(
      "form",
      { class: "user-form" },
      input,
      token,
      h("button", { type: "submit", text: "Save" }),
      h("button", { type: "button", class: "cancel", text: "Cancel", onclick: () => show() }),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const problem = userNameProblem(input.value.trim());
      if (problem !== "" && token.value.trim() === "") {
        input.setCustomValidity(problem);
        input.reportValidity();
        return;
      }
      try {
        if (problem === "") saveUser(store, input.value);
        saveToken(store, token.value);
      } catch (err) {
        status.error("saving the user", err);
        return;
      }
      location.reload();
    });
    input.addEventListener("input", () => input.setCustomValidity(""));
    box.replaceChildren(form);
    input.focus();
  };
  show();
  if (cred.user === "" && cred.token === "") edit();
  return box;
}
