#!/usr/bin/env node
// Decides whether `npm start` must build: a SHA-256 of every source the build reads (the three workspaces
// without node_modules/dist, the lockfile, the root package.json and tsconfig) is recorded after a build, in
// .cache/build-fingerprint.json; the build is current when the recorded hash equals today's and every output
// exists. Content, not mtimes, so a checkout or a touch does not force a rebuild.
//   node scripts/build-fingerprint.mjs check [--root DIR]   exit 0 when current, 1 when a build is needed
//   node scripts/build-fingerprint.mjs record [--root DIR]  records the sources' hash as built
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const WORKSPACES = ["packages/m365-emulator", "apps/server", "apps/web"];
const ROOT_FILES = ["package.json", "package-lock.json", "tsconfig.base.json"];
// Tests are not built; test folders change often and must not cost a rebuild.
const SKIPPED_FOLDERS = new Set(["node_modules", "dist", ".cache", "coverage", "test"]);
/** One file per build output: missing means the build is needed whatever the hash says. */
export const BUILD_OUTPUTS = [
  "packages/m365-emulator/dist/index.js",
  "apps/server/dist/cli.js",
  "apps/web/dist/index.html",
];
const STAMP = ".cache/build-fingerprint.json";

function* filesUnder(root, folder) {
  const full = path.join(root, folder);
  if (!existsSync(full)) return;
  for (const entry of readdirSync(full, { withFileTypes: true })) {
    if (entry.name.startsWith(".") && entry.isDirectory()) continue;
    const relative = path.posix.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) yield* filesUnder(root, relative);
    } else if (entry.isFile()) yield relative;
  }
}

/** The hash of every file the build reads, by path and content. */
export function sourceFingerprint(root) {
  const files = [...ROOT_FILES.filter((file) => existsSync(path.join(root, file)))];
  for (const workspace of WORKSPACES) files.push(...filesUnder(root, workspace));
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(root, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** Why a build is needed, or null when the outputs are there and were built from these very sources. */
export function buildNeeded(root, fingerprint = sourceFingerprint(root)) {
  const missing = BUILD_OUTPUTS.find((file) => !existsSync(path.join(root, file)));
  if (missing) return `${missing} is missing`;
  const stampFile = path.join(root, STAMP);
  if (!existsSync(stampFile)) return "no build recorded";
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(stampFile, "utf8")).fingerprint;
  } catch {
    return "the recorded build is unreadable";
  }
  return recorded === fingerprint ? null : "the sources changed since the last build";
}

export function recordBuild(root, fingerprint) {
  mkdirSync(path.join(root, path.dirname(STAMP)), { recursive: true });
  writeFileSync(
    path.join(root, STAMP),
    `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString() })}\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [command] = process.argv.slice(2);
  const rootFlag = process.argv.indexOf("--root");
  const root =
    rootFlag > 0 ? path.resolve(process.argv[rootFlag + 1]) : path.resolve(import.meta.dirname, "..");
  if (command === "check") {
    const reason = buildNeeded(root);
    console.log(reason ? `build needed: ${reason}` : "build current");
    process.exit(reason ? 1 : 0);
  } else if (command === "record") {
    recordBuild(root, sourceFingerprint(root));
  } else {
    console.error("usage: build-fingerprint.mjs check|record [--root DIR]");
    process.exit(2);
  }
}
