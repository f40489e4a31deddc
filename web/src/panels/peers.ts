// Who is here: the other peers present in the world, by name and colour,
// in the page header (from presence, presence.ts). Two tabs of one user
// show once.

import { h } from "../dom";
import type { Peer } from "../presence";

export class PeersList {
  readonly el: HTMLElement;

  constructor() {
    this.el = h("ul", { class: "peers", "aria-label": "Who is here" });
  }

  render(me: { user: string; colour: string }, peers: readonly Peer[]): void {
    const seen = new Set<string>([me.user]);
    const items = [chip(me.user, me.colour, "you")];
    for (const p of peers) {
      if (seen.has(p.user)) continue;
      seen.add(p.user);
      const doing = p.editing !== null ? "editing" : "";
      items.push(chip(p.user || "someone", p.colour, doing));
    }
    this.el.replaceChildren(...items);
  }
}

function chip(user: string, colour: string, note: string): HTMLElement {
  const li = h("li", { class: "peer", "data-user": user, title: note ? `${user} (${note})` : user }, h("span", { class: "peer-dot" }), h("span", { class: "peer-name", text: user }));
  li.style.setProperty("--peer", colour);
  (li.firstElementChild as HTMLElement).style.background = colour;
  return li;
}
