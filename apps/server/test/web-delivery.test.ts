import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webDistFolder } from "../src/http/app.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const repositoryRoot = path.resolve(webDistFolder, "../../..");

/** The web build as `npm run build` leaves it; built here when it is missing or predates precompression. */
function ensureWebBuild() {
  if (existsSync(path.join(webDistFolder, "index.html.br"))) return;
  // Without the test runner's NODE_ENV=test, which would make Vite bundle React's development build.
  const { NODE_ENV: _ignored, ...env } = process.env;
  const build = spawnSync("npm", ["run", "build", "--workspace", "apps/web"], {
    cwd: repositoryRoot,
    encoding: "utf8",
    env,
  });
  if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`);
}

/** The entry script index.html loads, e.g. /assets/index-AbC123.js. */
const entryScript = (indexHtml: string) => /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(indexHtml)![1]!;

describe("web delivery (issue 13, item 5): precompressed, cached by content hash", () => {
  let t: TestApp;
  let indexHtml: Buffer;

  beforeAll(async () => {
    ensureWebBuild();
    indexHtml = readFileSync(path.join(webDistFolder, "index.html"));
    t = await startTestApp({ TEAMS_USERS_SYNC_MINUTES: "0" }, { workers: false });
  }, 180_000);
  afterAll(async () => t?.stop());

  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: "GET", url, headers });

  it("the build writes a brotli and a gzip file next to every script, stylesheet and index.html", () => {
    const assets = readdirSync(path.join(webDistFolder, "assets")).filter((file) => /\.(js|css)$/.test(file));
    expect(assets.length).toBeGreaterThan(0);
    for (const file of [...assets.map((asset) => `assets/${asset}`), "index.html"]) {
      const original = readFileSync(path.join(webDistFolder, file));
      expect(brotliDecompressSync(readFileSync(path.join(webDistFolder, `${file}.br`)))).toEqual(original);
      expect(gunzipSync(readFileSync(path.join(webDistFolder, `${file}.gz`)))).toEqual(original);
    }
  });

  it("a hashed asset comes brotli-encoded to a browser that takes br, immutable for a year", async () => {
    const script = entryScript(indexHtml.toString());
    const response = await get(script, { "accept-encoding": "gzip, deflate, br, zstd" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-encoding"]).toBe("br");
    expect(response.headers["content-type"]).toMatch(/javascript/);
    expect(String(response.headers.vary)).toMatch(/accept-encoding/i);
    expect(response.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const original = readFileSync(path.join(webDistFolder, script));
    expect(response.rawPayload.length).toBeLessThan(original.length);
    expect(brotliDecompressSync(response.rawPayload)).toEqual(original);
  });

  it("gzip to a client without brotli, and the plain file to one that takes neither", async () => {
    const script = entryScript(indexHtml.toString());
    const original = readFileSync(path.join(webDistFolder, script));

    const gzipped = await get(script, { "accept-encoding": "gzip" });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(String(gzipped.headers.vary)).toMatch(/accept-encoding/i);
    expect(gunzipSync(gzipped.rawPayload)).toEqual(original);

    const plain = await get(script, {});
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(String(plain.headers.vary)).toMatch(/accept-encoding/i);
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(plain.rawPayload).toEqual(original);
  });

  it("index.html and the SPA fallback are revalidated on every load (no-cache), compressed too", async () => {
    for (const url of ["/", "/sign-in", "/index.html"]) {
      const response = await get(url, { accept: "text/html", "accept-encoding": "br" });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["cache-control"], url).toBe("no-cache");
      expect(response.headers["content-encoding"], url).toBe("br");
      expect(String(response.headers.vary), url).toMatch(/accept-encoding/i);
      expect(brotliDecompressSync(response.rawPayload), url).toEqual(indexHtml);
    }
  });

  it("the sign-in page loads five scripts, and the Users page opened cold ten more at most (the build's chunk plan)", () => {
    // Split the default way, they were 15 and 30 files, fetched six at a time (apps/web/build/chunk-plan.ts).
    const index = indexHtml.toString();
    expect(index.match(/<script[^>]+src="\/assets\//g)).toHaveLength(1);
    // react, tanstack, base and rolldown's runtime
    expect(index.match(/<link rel="modulepreload"/g)?.length).toBeLessThanOrEqual(4);
    const preloads = JSON.parse(readFileSync(path.join(webDistFolder, "page-preloads.json"), "utf8")) as {
      path: string;
      modules: string[];
    }[];
    const usersPage = preloads.find((page) => page.path === "/a/:accountId/users")!;
    expect(usersPage.modules.length).toBeLessThanOrEqual(10);
  });

  it("a cold-start page's HTML is index.html naming its code and first answer, revalidated, compressed", async () => {
    const accountId = "00000000-0000-4000-8000-000000000000";
    const preloads = JSON.parse(readFileSync(path.join(webDistFolder, "page-preloads.json"), "utf8")) as {
      path: string;
      modules: string[];
    }[];
    const usersPage = preloads.find((page) => page.path === "/a/:accountId/users")!;
    expect(usersPage.modules.some((file) => /\/assets\/UsersPage-[^/]+\.js$/.test(file))).toBe(true);
    for (const [encoding, decode] of [
      ["br", brotliDecompressSync],
      ["gzip", gunzipSync],
    ] as const) {
      const response = await get(`/a/${accountId}/users`, {
        accept: "text/html",
        "accept-encoding": encoding,
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers["cache-control"]).toBe("no-cache");
      expect(response.headers["content-encoding"]).toBe(encoding);
      expect(String(response.headers.vary)).toMatch(/accept-encoding/i);
      const html = decode(response.rawPayload).toString();
      for (const file of usersPage.modules)
        expect(html).toContain(`<link rel="modulepreload" crossorigin href="${file}" />`);
      expect(html).toContain(`href="/api/accounts/${accountId}/teams-users?filter=all&pageSize=50"`);
      // Everything else is index.html as built: the links go in at the end of its head.
      const index = indexHtml.toString();
      const headEnd = index.indexOf("</head>");
      expect(html.startsWith(index.slice(0, headEnd))).toBe(true);
      expect(html.endsWith(index.slice(headEnd))).toBe(true);
    }
  });

  it("the API keeps its own caching rule and a missing asset is a 404 problem", async () => {
    const health = await get("/api/openapi.json", { "accept-encoding": "br" });
    expect(health.headers["cache-control"]).toBe("no-store");
    const missing = await get("/assets/nothing-here.js", { "accept-encoding": "br" });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/application\/problem\+json/);
  });
});
