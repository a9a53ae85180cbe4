import type { Plugin } from "vite";
import { outputChunks } from "./output-chunks.ts";

/**
 * Pages a user often opens cold (a bookmark, a link in a mail, a reload): what each needs before it can show
 * anything. The router would find these one after the other (the entry's code, then the shell's chunk, then the
 * page's, then the page's first request); listed here, the server names them all in the page's HTML
 * (`<link rel="modulepreload">`, `<link rel="preload" as="style">` for their CSS and `<link rel="preload"
 * as="fetch">`) so the browser fetches them at once. Without the CSS preload, Vite asks for a page chunk's CSS only
 * when the router imports the chunk, and holds the import until it arrives: one more round trip at the end.
 *
 * `data` must be the exact URL the page's first query asks for (openapi-fetch's serialisation), or the preload
 * is wasted and the page asks again: `e2e/users-page-first-request.e2e.ts` fails then. Data is preloaded only for a page
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

/** What `dist/page-preloads.json` holds per page: the chunk files instead of source modules, and their CSS. */
export interface PagePreload {
  path: string;
  modules: string[];
  styles: string[];
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
      const { loadedWith, entryFiles, chunkOf, stylesOf } = outputChunks(bundle);
      const entryStyles = stylesOf(entryFiles);
      const preloads: PagePreload[] = pages.map((page) => {
        const files = [...loadedWith(page.modules.map((module) => chunkOf(root, module).fileName))].filter(
          (file) => !entryFiles.has(file),
        );
        return {
          path: page.path,
          modules: files.map((f) => `/${f}`),
          styles: [...stylesOf(files)].filter((file) => !entryStyles.has(file)).map((f) => `/${f}`),
          data: page.data,
        };
      });
      this.emitFile({
        type: "asset",
        fileName: "page-preloads.json",
        source: JSON.stringify(preloads, null, 2),
      });
    },
  };
}
