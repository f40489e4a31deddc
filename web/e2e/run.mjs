#!/usr/bin/env node
// The browser suite (issue 4): two designers, alice and bob, in two
// Chromium contexts against a real `bin/atelier serve` (SQLite, a fresh
// data directory, a free port). It builds nothing: run `make build` first
// (make test does). Each scenario gets its own world; every wait is
// bounded; a failure says what was awaited and saves screenshots; every
// scenario's end state is saved under web/e2e/screenshots/.
//
//   npm run test:e2e                  # every scenario
//   npm run test:e2e -- offline       # the scenarios whose name contains "offline"

import { rmSync } from "node:fs";
import { join } from "node:path";
import { Designer, ROOT, ensureDir, launchBrowser, startServer } from "./lib.mjs";
import { scenarios } from "./scenarios.mjs";

/** The whole-scenario bound, in ms. */
const SCENARIO_TIMEOUT_MS = Number(process.env.E2E_SCENARIO_TIMEOUT_MS ?? 120_000);
const SHOTS = join(ROOT, "web/e2e/screenshots");

const filter = process.argv.slice(2).join(" ");
const chosen = scenarios.filter((s) => filter === "" || s.name.includes(filter));
if (chosen.length === 0) {
  console.error(`e2e: no scenario matches "${filter}"`);
  process.exit(2);
}

rmSync(SHOTS, { recursive: true, force: true });
ensureDir(SHOTS);

const started = Date.now();
const server = await startServer();
const browser = await launchBrowser();
console.log(`e2e: server ${server.base}, Chromium ${browser.version()}, ${chosen.length} scenarios`);
let failed = 0;
try {
  for (const [i, s] of chosen.entries()) {
    const ok = await runScenario(`${String(i + 1).padStart(2, "0")}-${slug(s.name)}`, s);
    if (!ok) failed++;
  }
} finally {
  await browser.close().catch(() => {});
  await server.stop();
}
console.log(`e2e: ${chosen.length - failed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`);
process.exit(failed === 0 ? 0 : 1);

/** Runs one scenario with its own designers; screenshots their end state; reports. */
async function runScenario(id, s) {
  const designers = [];
  const cleanups = [];
  const t = {
    server,
    browser,
    /** A new designer (a fresh browser context), screenshotted at the end. */
    designer(name, srv = server) {
      const d = new Designer(name, browser, srv);
      designers.push(d);
      return d;
    },
    /** Creates a world over the API as alice. */
    world(name) {
      return server.api("POST", "/api/worlds", { user: "alice", body: { name } });
    },
    /** Runs fn when the scenario ends (pass or fail). */
    defer(fn) {
      cleanups.push(fn);
    },
  };
  const t0 = Date.now();
  let error = null;
  let timer;
  try {
    await Promise.race([
      s.run(t),
      new Promise((_, fail) => {
        timer = setTimeout(() => fail(new Error(`scenario timed out after ${SCENARIO_TIMEOUT_MS} ms`)), SCENARIO_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    error = err;
  } finally {
    clearTimeout(timer);
  }
  const shots = [];
  for (const d of designers) {
    const path = join(SHOTS, `${error ? "FAILED-" : ""}${id}-${slug(d.name)}.png`);
    await d.screenshot(path);
    shots.push(path);
  }
  if (error) {
    console.log(`FAIL ${s.name} (${Date.now() - t0} ms)\n  ${error.stack ?? error}`);
    for (const d of designers) {
      const errors = d.page && !d.page.isClosed() ? await d.eval(() => window.__atelier?.errors() ?? []).catch(() => []) : [];
      if (errors.length > 0) console.log(`  ${d.name}'s status bar errors: ${errors.join(" | ")}`);
      for (const l of d.logs.slice(-10)) console.log(`  ${d.name} ${l}`);
    }
    for (const srv of new Set([server, ...designers.map((d) => d.server)])) {
      const log = srv.log().trim().split("\n").slice(-15).join("\n  ");
      if (log !== "") console.log(`  server ${srv.base} log (last lines):\n  ${log}`);
    }
    console.log(`  screenshots: ${shots.join(", ")}`);
  } else {
    console.log(`ok   ${s.name} (${Date.now() - t0} ms)`);
  }
  for (const d of designers) await d.close();
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((err) => console.log(`  cleanup: ${err}`));
  return error === null;
}

function slug(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60);
}
