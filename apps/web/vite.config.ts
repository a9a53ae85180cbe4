import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import react from "@vitejs/plugin-react";
import { build, defineConfig, type Plugin } from "vite";
import {
  CHUNK_PLAN_MODE,
  type ChunkPlan,
  chunkGroups,
  recordChunkPlan,
  vendorChunk,
} from "./build/chunk-plan.ts";
import { pagePreloads } from "./build/page-preloads.ts";

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt|map)$/;

/**
 * Writes `<file>.br` and `<file>.gz` next to every text asset of the build, so the server sends them as they
 * are (@fastify/static `preCompressed`) instead of compressing on every request.
 */
function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "sip2teams-precompress",
    apply: "build",
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const files = (await readdir(outDir, { recursive: true })).filter((file) => COMPRESSIBLE.test(file));
      await Promise.all(
        files.map(async (file) => {
          const full = path.join(outDir, file);
          const body = await readFile(full);
          await writeFile(
            `${full}.br`,
            await brotli(body, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: 11,
                [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
              },
            }),
          );
          await writeFile(`${full}.gz`, await gz(body, { level: 9 }));
        }),
      );
    },
  };
}

const api = process.env.SIP2TEAMS_API ?? "http://localhost:3000";

/**
 * The plan pass (build/chunk-plan.ts): the same build, split the default way and not written, to read which
 * modules the sign-in page and the shell load.
 */
async function planChunks(root: string): Promise<ChunkPlan> {
  let plan: ChunkPlan | null = null;
  await build({
    root,
    configFile: path.join(root, "vite.config.ts"),
    mode: CHUNK_PLAN_MODE,
    logLevel: "warn",
    build: { write: false },
    plugins: [recordChunkPlan(root, (recorded) => (plan = recorded))],
  });
  if (!plan) throw new Error("the chunk plan pass recorded no plan");
  return plan;
}

export default defineConfig(async ({ command, mode }) => {
  const planPass = mode === CHUNK_PLAN_MODE;
  const plan = command === "build" && !planPass ? await planChunks(import.meta.dirname) : null;
  return {
    plugins: planPass ? [react()] : [react(), pagePreloads(), precompress()],
    server: {
      port: 5173,
      proxy: { "/api": api, "/dev": api, "/healthz": api, "/readyz": api },
    },
    build: {
      outDir: "dist",
      emptyOutDir: true,
      chunkSizeWarningLimit: 2000,
      rolldownOptions: {
        output: plan ? { codeSplitting: chunkGroups(plan) } : { manualChunks: vendorChunk },
      },
    },
  };
});
