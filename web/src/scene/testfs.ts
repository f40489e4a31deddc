// Test-only access to the repository's files (the shared golden vectors in
// scene/testdata). The web tsconfig has no Node types, so node:fs is
// loaded dynamically and typed here with just what the tests use.

interface NodeFs {
  readFileSync(path: URL): Uint8Array;
  readFileSync(path: URL, encoding: "utf8"): string;
  readdirSync(path: URL): string[];
  writeFileSync(path: URL, data: Uint8Array | string): void;
  existsSync(path: URL): boolean;
}

const fsModule = "node:fs";
/** node:fs, for tests only. */
export const fs = (await import(/* @vite-ignore */ fsModule)) as NodeFs;

/** The repository's scene/testdata directory. */
export const sceneTestdata = new URL("../../../scene/testdata/", import.meta.url);

/** Reads and parses a JSON file under scene/testdata. */
export function readVector<T>(name: string): T {
  return JSON.parse(fs.readFileSync(new URL(name, sceneTestdata), "utf8")) as T;
}

/** Reports whether the tests should rewrite the vectors they generate (UPDATE_VECTORS=1). */
export function updateVectors(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.UPDATE_VECTORS === "1";
}
