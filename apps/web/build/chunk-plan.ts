import type { Plugin } from "vite";
import { outputChunks } from "./output-chunks.ts";

/**
 * Which output file a module goes to. Left to itself, the bundler gives each module that lazy pages share a file
 * of its own: the sign-in page loaded 15 files and the Users page opened cold 30 more, six at a time over
 * HTTP/1.1. The build therefore runs twice (`vite.config.ts`):
 * 1. a plan pass, split the default way and not written, records where each module landed: in a file the entry
 *    (the sign-in page) loads, or in one that the signed-in shell (`AppLayout`) adds;
 * 2. the real build puts those modules in two files, `base` and `shell`. The sign-in page loads exactly the
 *    modules it loaded before, and every signed-in page the shell's; each page's own code is split as before.
 * The plan is read off the first pass's output, after tree-shaking: the module graph alone cannot tell, because
 * pages import Mantine through its index module, which reaches every component.
 */
export type ChunkPlan = Record<string, "base" | "shell">;

export const CHUNK_PLAN_MODE = "chunk-plan";

/** React and TanStack: files of their own, so a release that changes only our code keeps them cached. */
export function vendorChunk(id: string): string | undefined {
  if (/node_modules\/(react|react-dom|scheduler)\//.test(id)) return "react";
  if (/node_modules\/@tanstack\//.test(id)) return "tanstack";
  return undefined;
}

/** The plan pass's plugin: hands the plan read off the default split to `done`. */
export function recordChunkPlan(webRoot: string, done: (plan: ChunkPlan) => void): Plugin {
  return {
    name: "sip2teams-chunk-plan",
    apply: "build",
    generateBundle(_options, bundle) {
      const { chunks, loadedWith, entryFiles, chunkOf } = outputChunks(bundle);
      const shellFiles = loadedWith([chunkOf(webRoot, "src/layout/AppLayout.tsx").fileName]);
      const plan: ChunkPlan = {};
      for (const chunk of chunks) {
        if (chunk.isEntry) continue; // the entry's own modules stay in the entry file
        const group = entryFiles.has(chunk.fileName)
          ? "base"
          : shellFiles.has(chunk.fileName)
            ? "shell"
            : null;
        if (!group) continue;
        for (const id of chunk.moduleIds) if (!vendorChunk(id)) plan[id] = group;
      }
      done(plan);
    },
  };
}

/**
 * The real build's grouping (rolldown `codeSplitting`). What a `base` or `shell` module imports is loaded with it
 * already (it sat in a file loaded with it), so the groups need not pull their dependencies in.
 */
export function chunkGroups(plan: ChunkPlan) {
  const group = (
    name: string,
    priority: number,
    member: (id: string) => boolean,
    withDependencies: boolean,
  ) => ({
    name: (id: string) => (member(id) ? name : null),
    priority,
    includeDependenciesRecursively: withDependencies,
  });
  return {
    groups: [
      // A vendor file takes the packages it imports (use-sync-external-store, …): left in `base`, they would make
      // `base` and the vendor file import each other, and one of them would run before the other had its exports.
      group("react", 4, (id) => vendorChunk(id) === "react", true),
      group("tanstack", 3, (id) => vendorChunk(id) === "tanstack", true),
      group("base", 2, (id) => plan[id] === "base", false),
      group("shell", 1, (id) => plan[id] === "shell", false),
    ],
  };
}
