import type { Plugin } from "vite";
import { outputChunks } from "./output-chunks";

/**
 * Pages a user often opens cold (a bookmark, a link in a mail, a reload): what each needs before it can show
 * anything. The router would find these one after the other (the entry's code, then the shell's chunk, then the
 * page's, then the page's first request); listed here, the server names them all in the page's HTML
 * (`<link rel="modulepreload">` and `<link rel="preload" as="fetch">`) so the browser fetches them at once.
 *
 * `data` must be the exact URL the page's first query asks for (openapi-fetch's serialisation), or the preload
 * is wasted and the page asks again: `e2e/page-preloads.e2e.ts` fails then. Data is preloaded only for a page
 * URL without a query string (the defaults below).
 */
export const coldStartPages: ColdStartPage[] = [
  {
    path: "/a/:accountId/users",
    modules: ["src/layout/AppLayout.tsx", "src/features/teams-users/UsersPage.tsx"],
    // features/teams-users/prefetch.ts: page 1, no search, filter "all".
    data: ["/api/accounts/:accountId/teams-users?filter=all&pageSize=50"],
  },
  {
    path: "/a/:accountId/dashboard",
    modules: ["src/layout/AppLayout.tsx", "src/features/dashboard/DashboardPage.tsx"],
    data: ["/api/accounts/:accountId/dashboard"],
  },
  { path: "/a/:accountId/*", modules: ["src/layout/AppLayout.tsx"], data: [] },
];

export interface ColdStartPage {
  /** Route pattern: `:name` matches one path segment, a final `*` any rest. */
  path: string;
  /** Source modules the page renders (lazy route components); their chunks and static imports are preloaded. */
  modules: string[];
  /** API GETs the page makes first; `:name` is the page path's parameter. */
  data: string[];
}

/** What `dist/page-preloads.json` holds per page: the chunk files instead of source modules. */
export interface PagePreload {
  path: string;
  modules: string[];
  data: string[];
}

/** Writes `page-preloads.json` next to index.html: each cold-start page's chunks (not already the entry's). */
export function pagePreloads(pages: ColdStartPage[] = coldStartPages): Plugin {
  let root = process.cwd();
  return {
    name: "sip2teams-page-preloads",
    apply: "build",
    configResolved(config) {
      root = config.root;
    },
    generateBundle(_options, bundle) {
      const { loadedWith, entryFiles, chunkOf } = outputChunks(bundle);
      const preloads: PagePreload[] = pages.map((page) => ({
        path: page.path,
        modules: [...loadedWith(page.modules.map((module) => chunkOf(root, module).fileName))]
          .filter((file) => !entryFiles.has(file))
          .map((f) => `/${f}`),
        data: page.data,
      }));
      this.emitFile({
        type: "asset",
        fileName: "page-preloads.json",
        source: JSON.stringify(preloads, null, 2),
      });
    },
  };
}
