import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_FAILURES, ReviewChannel } from "./channel";

/** A websocket that never opens: closes with 1006, as a refused upgrade looks to a browser. */
class RefusedSocket {
  static made = 0;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    RefusedSocket.made++;
    setTimeout(() => this.onclose?.({ code: 1006, reason: "" }), 0);
  }
  close(): void {}
}

describe("ReviewChannel", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("gives up after connections that never open, and says so", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("window", { location: { href: "http://127.0.0.1:8080/reviews/r1" } });
    vi.stubGlobal("WebSocket", RefusedSocket);
    RefusedSocket.made = 0;
    let gaveUp = 0;
    const downs: string[] = [];
    const ch = new ReviewChannel("r1", { user: "ana", token: "" }, {
      message: () => {},
      connection: (up, why) => void (up || downs.push(why)),
      gaveUp: () => void gaveUp++,
    });
    ch.open();
    await vi.runAllTimersAsync();
    expect(RefusedSocket.made).toBe(MAX_FAILURES);
    expect(gaveUp).toBe(1);
    expect(downs).toHaveLength(MAX_FAILURES);
    ch.close();
  });
});
