// Vite configuration for Atelier's browser editor (web/). Built by the root
// package.json (`npm run build:web`) into web/dist/app, which the atelier
// binary embeds (web/embed.go); `npm run dev:web` serves it with hot reload
// and proxies the API and the sync websocket to a running `atelier serve`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import wasm from "vite-plugin-wasm";
import type { Plugin } from "vite";

/**
 * automerge-repo 2.5 sends a document's sync messages at most every 100 ms
 * (DocSynchronizer's `syncDebounceRate = 100`, a class field read in its
 * constructor; RepoConfig has no option for it). This makes the field read
 * globalThis.__atelierSyncDebounceRate (set in web/src/repo.ts) first, in
 * the build and in the dev server's pre-bundle, and fails loudly if the
 * library no longer has that line.
 */
const SYNC_FILE = /@automerge[\\/]automerge-repo[\\/]dist[\\/]synchronizer[\\/]DocSynchronizer\.js$/;
const SYNC_FIELD = "syncDebounceRate = 100;";
function patchSyncDebounce(code: string, id: string): string {
  if (!code.includes(SYNC_FIELD)) throw new Error(`${id}: "${SYNC_FIELD}" not found; automerge-repo changed, update web/vite.config.ts`);
  return code.replace(SYNC_FIELD, "syncDebounceRate = globalThis.__atelierSyncDebounceRate ?? 100;");
}
const syncDebounce: Plugin = {
  name: "atelier-sync-debounce",
  transform(code, id) {
    return SYNC_FILE.test(id.split("?")[0]!) ? { code: patchSyncDebounce(code, id), map: null } : null;
  },
};

const root = fileURLToPath(new URL(".", import.meta.url));
const backend = process.env.ATELIER_BACKEND ?? "127.0.0.1:8080";

export default defineConfig({
  root,
  // Caches go with the packages, in the root node_modules (ignored by git),
  // not in a web/node_modules of their own.
  cacheDir: fileURLToPath(new URL("../node_modules/.vite/web", import.meta.url)),
  // Automerge's browser build imports its wasm as an ES module
  // (WebAssembly ESM integration); the plugin turns that into a fetch of a
  // hashed asset plus a top-level await, which es2022 allows.
  plugins: [wasm(), syncDebounce],
  build: {
    // web/dist/index.html is the committed placeholder served when the app
    // was not built; the real app goes beside it and is emptied on each build.
    outDir: "dist/app",
    emptyOutDir: true,
    target: "es2022",
    assetsDir: "assets",
    // three.js and automerge are large; one chunk each keeps caching useful.
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes("node_modules/three")) return "three";
          if (id.includes("node_modules/@automerge")) return "automerge";
          return undefined;
        },
      },
    },
  },
  optimizeDeps: {
    // Pre-bundling would copy automerge's wasm import into esbuild, which
    // cannot load it; the plugin handles it when served as is.
    exclude: ["@automerge/automerge"],
    esbuildOptions: {
      target: "es2022",
      plugins: [
        {
          name: "atelier-sync-debounce",
          setup(build) {
            build.onLoad({ filter: SYNC_FILE }, async (args) => {
              const { readFile } = await import("node:fs/promises");
              return { contents: patchSyncDebounce(await readFile(args.path, "utf8"), args.path), loader: "js" };
            });
          },
        },
      ],
    },
  },
  server: {
    host: "127.0.0.1",
    port: 5173,
    proxy: {
      "/api": { target: `http://${backend}` },
      "/healthz": { target: `http://${backend}` },
      "/sync": { target: `ws://${backend}`, ws: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
