// The review list: the sessions there are, and a form to start one.

import { errorText, type Api } from "../api";
import { h } from "../dom";
import { ReviewApi } from "../review/reviewapi";
import type { Shell } from "../shell";
import type { Status } from "../status";

/** Mounts the list of review sessions. */
export async function mountReviewsPage(shell: Shell, api: Api, status: Status): Promise<void> {
  const reviews = new ReviewApi(api);
  shell.title.replaceChildren(h("h1", { text: "Reviews" }));
  const title = h("input", { type: "text", name: "title", required: true, maxlength: 200, placeholder: "Review title", "aria-label": "Title" });
  const world = h("input", { type: "text", name: "world", placeholder: "world id (optional)", "aria-label": "World" });
  const form = h("form", { class: "create-review" }, title, world, h("button", { type: "submit", text: "Start a review" }));
  const list = h("ul", { class: "reviews" });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    reviews.create(title.value.trim(), world.value.trim()).then(
      (r) => location.assign(`/reviews/${encodeURIComponent(r.id)}`),
      (err: unknown) => status.error("starting the review", err),
    );
  });
  shell.main.replaceChildren(form, list);
  try {
    const all = await reviews.list();
    list.replaceChildren(...all.map((r) => h("li", {}, h("a", { href: `/reviews/${encodeURIComponent(r.id)}`, text: r.title }), ` ${r.createdBy} · ${r.createdAt}`)));
    if (all.length === 0) list.append(h("li", { class: "empty", text: "No reviews yet." }));
  } catch (err) {
    list.replaceChildren(h("li", { class: "empty", text: errorText(err) }));
    status.error("listing reviews", err);
  }
}
