// Vite configuration for Atelier's browser editor (web/). Built by the root
// package.json (`npm run build:web`) into web/dist/app, which the atelier
// binary embeds (web/embed.go); `npm run dev:web` serves it with hot reload
// and proxies the API and the sync websocket to a running `atelier serve`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import wasm from "vite-plugin-wasm";

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
  plugins: [wasm()],
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
    esbuildOptions: { target: "es2022" },
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
