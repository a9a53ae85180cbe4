#!/usr/bin/env node
// Web delivery (issue 13, item 5): the JavaScript a browser downloads to show the sign-in page, as it
// travels (Accept-Encoding: br, gzip), fetched over HTTP from the built portal (`sip2teams serve`, npm run
// build). Follows index.html's entry script, its modulepreloads and their static imports (not the lazy
// chunks of the signed-in app); checks each answer: 200, brotli, immutable, decodes to the file in
// apps/web/dist. Target: ≤ 150 KB compressed.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { startPortal } from "./support/portal.mjs";
import { report, reportFailure } from "./support/report.mjs";

const TARGET_KB = 150;
const dist = path.resolve(import.meta.dirname, "../apps/web/dist");

/** GET without decompressing: the body's bytes as they came over the wire. */
const getRaw = (url, headers) =>
  new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }),
        );
      })
      .on("error", reject);
  });

const STATIC_IMPORT = /(?:^|[;}\s])import\s*(?:[\w$*{}\s,]+from\s*)?["'](\.\/[^"']+\.js)["']/g;

const dataDir = mkdtempSync(path.join(tmpdir(), "sip2teams-bench-web-"));
let portal;
try {
  portal = await startPortal({ dataDir, env: { RUN_WORKERS: "false" } });
  const accept = { "accept-encoding": "br, gzip" };
  const page = await getRaw(`${portal.base}/sign-in`, { ...accept, accept: "text/html" });
  if (page.status !== 200) throw new Error(`/sign-in answered ${page.status}`);
  const html = (
    page.headers["content-encoding"] === "br" ? brotliDecompressSync(page.body) : page.body
  ).toString();
  const queue = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
  ].map((match) => match[1]);
  if (queue.length === 0) throw new Error("index.html names no script");
  const seen = new Set();
  let wire = 0;
  let decoded = 0;
  while (queue.length > 0) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const response = await getRaw(`${portal.base}${url}`, accept);
    const file = readFileSync(path.join(dist, url));
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    if (response.headers["content-encoding"] !== "br") throw new Error(`${url} was not sent brotli-encoded`);
    if (!/immutable/.test(response.headers["cache-control"] ?? ""))
      throw new Error(`${url} is not immutable`);
    const body = brotliDecompressSync(response.body);
    if (!body.equals(file)) throw new Error(`${url} does not decode to apps/web/dist${url}`);
    wire += response.body.length;
    decoded += body.length;
    for (const match of body.toString().matchAll(STATIC_IMPORT))
      queue.push(path.posix.join(path.posix.dirname(url), match[1]));
  }
  const kb = wire / 1000;
  console.log(
    `sign-in page: ${seen.size} scripts, ${(decoded / 1000).toFixed(1)} KB decoded, ${kb.toFixed(1)} KB brotli on the wire`,
  );
  report("web-delivery", [
    {
      measure: "sign-in page JS, compressed",
      target: `≤ ${TARGET_KB} KB`,
      measured: `${kb.toFixed(1)} KB`,
      pass: kb <= TARGET_KB,
    },
  ]);
} catch (error) {
  reportFailure("web-delivery", "sign-in page JS, compressed", `≤ ${TARGET_KB} KB`, error);
} finally {
  await portal?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
