// RTP timestamps are 32-bit counters that wrap (RFC 3550 §5.1): these
// helpers compare and subtract them the way the server's media engine
// does, so a paused frame named by its RTP timestamp is found again after
// the counter wrapped.

/** The video RTP clock rate every codec Atelier forwards uses (Hz). */
export const VIDEO_CLOCK_HZ = 90_000;

/** a − b as a signed distance, modulo 2³²: positive when a is after b. */
export function rtpDiff(a: number, b: number): number {
  return ((a - b) | 0);
}

/** Whether a is at or before b on the wrapping clock. */
export function rtpAtOrBefore(a: number, b: number): boolean {
  return rtpDiff(a, b) <= 0;
}

/** Checks that x is an RTP timestamp: an integer in [0, 2³²). */
export function isRtpTimestamp(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
}
