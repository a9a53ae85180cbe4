import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** One cold-start page of the web build (`apps/web/build/page-preloads.ts` writes `page-preloads.json`). */
interface PagePreload {
  path: string;
  modules: string[];
  /** The chunks' CSS (absent from an older build's list). */
  styles?: string[];
  data: string[];
}

/** A path parameter put into the HTML: an account id and the like, nothing that could leave the attribute. */
const PARAM_VALUE = /^[A-Za-z0-9_-]{1,64}$/;

function matchPage(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = pathname.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    if (segment === "*" && i === want.length - 1) return got.length > i ? params : null;
    const value = got[i];
    if (value === undefined) return null;
    if (segment.startsWith(":")) {
      if (!PARAM_VALUE.test(value)) return null;
      params[segment.slice(1)] = value;
    } else if (segment !== value) return null;
  }
  return got.length === want.length ? params : null;
}

const fill = (template: string, params: Record<string, string>) =>
  template.replace(/:([A-Za-z]+)/g, (whole, name: string) => params[name] ?? whole);

/**
 * The web app's index.html for a page URL, with that page's chunks, their CSS and first API answers named in its head,
 * so the browser fetches them with the HTML instead of one after the other as the router finds them. Null when
 * the build lists nothing for the page (index.html is sent as it is). The data preloads need the exact URLs the
 * page will ask for, so they are only named for a page URL without a query string.
 */
export function pagePreloader(webDistFolder: string): (url: string) => string | null {
  const listFile = path.join(webDistFolder, "page-preloads.json");
  if (!existsSync(listFile)) return () => null;
  const pages = JSON.parse(readFileSync(listFile, "utf8")) as PagePreload[];
  const index = readFileSync(path.join(webDistFolder, "index.html"), "utf8");
  const headEnd = index.indexOf("</head>");
  if (headEnd < 0) return () => null;
  return (url) => {
    const [pathname = "/", query] = url.split("?", 2);
    for (const page of pages) {
      const params = matchPage(page.path, pathname);
      if (!params) continue;
      const links = [
        ...(query === undefined ? page.data : []).map(
          (data) => `<link rel="preload" as="fetch" crossorigin="anonymous" href="${fill(data, params)}" />`,
        ),
        // A preload, not a stylesheet: a stylesheet in the head would hold the app's module scripts until it came.
        ...(page.styles ?? []).map((file) => `<link rel="preload" as="style" crossorigin href="${file}" />`),
        ...page.modules.map((file) => `<link rel="modulepreload" crossorigin href="${file}" />`),
      ];
      return `${index.slice(0, headEnd)}${links.join("\n    ")}\n  ${index.slice(headEnd)}`;
    }
    return null;
  };
}
