// The editor's entry point: who the user is, which page the address asks
// for, and the frame around it. Pages are full page loads (links), so each
// page starts from a clean state and the editor's Repo lives exactly as
// long as its world is open.

import "./style.css";
import { Api } from "./api";
import { parseRoute } from "./deeplink";
import { h } from "./dom";
import { baseHooks, installHooks } from "./hooks";
import { adoptURLCredentials, displayName, loadCredentials } from "./identity";
import { mountEditorPage } from "./pages/editor";
import { mountWorldsPage } from "./pages/worlds";
import { mountShell } from "./shell";
import { catchGlobalErrors, Status } from "./status";

function main(): void {
  const status = new Status();
  catchGlobalErrors(status, window);
  const adopted = adoptURLCredentials(localStorage, new URL(location.href));
  if (adopted !== null) history.replaceState(null, "", adopted.pathname + adopted.search + adopted.hash);
  const cred = loadCredentials(localStorage);
  const root = document.getElementById("app") ?? document.body.appendChild(h("div", { id: "app" }));
  const shell = mountShell(root, cred, localStorage, status);
  const api = new Api({ credentials: cred });
  const base = baseHooks("worlds", () => displayName(cred), () => status.connection, () => status.errors());
  const route = parseRoute(location.pathname, location.search);
  switch (route.page) {
    case "worlds": {
      const page = mountWorldsPage(shell, api, status);
      installHooks({ ...base, ready: () => page.loaded(), worlds: () => page.worlds().map((w) => ({ id: w.id, name: w.name })) });
      break;
    }
    case "editor":
      void mountEditorPage(shell, api, cred, status, route.world, route.link, base).catch((err: unknown) => status.error("opening the editor", err));
      break;
    case "reviews":
      void import("./pages/reviews").then((m) => m.mountReviewsPage(shell, api, status)).catch((err: unknown) => status.error("opening the reviews", err));
      break;
    case "review":
      void import("./pages/review").then((m) => m.mountReviewPage(shell, api, cred, status, route.review)).catch((err: unknown) => status.error("opening the review", err));
      break;
    case "publish":
      void import("./pages/publish").then((m) => m.mountPublishPage(shell, cred, status, route.review)).catch((err: unknown) => status.error("opening the publisher", err));
      break;
    case "not-found":
      shell.title.replaceChildren(h("h1", { text: "Not found" }));
      shell.main.replaceChildren(h("p", { class: "empty" }, `Nothing at ${route.path}. `, h("a", { href: "/", text: "Back to the worlds" })));
      installHooks({ ...base, page: "not-found" });
      break;
  }
}

main();
