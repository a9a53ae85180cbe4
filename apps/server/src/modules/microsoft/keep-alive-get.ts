import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";

/** Connections kept open between requests, one pool per scheme (Microsoft's hosts are HTTPS; tests may use HTTP). */
const agents = {
  "https:": new https.Agent({ keepAlive: true }),
  "http:": new http.Agent({ keepAlive: true }),
};

/** Statuses whose answer has no body (a Response refuses one). */
const NO_BODY = new Set([204, 205, 304]);

/**
 * A GET over Node's own HTTP client on kept-alive connections, answered as a fetch Response whose body streams.
 * For Graph's large pages followed one after another (users/delta): fetch (undici) writes a request 5–10 ms after
 * the call while the previous answer is still streaming in, node:https in about 1 ms (measured against the
 * emulator at 999 users a page; docs/operations.md, Benchmarks, sync-50k), and each page's request waits on that.
 */
export function keepAliveGet(
  url: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<Response> {
  const target = new URL(url);
  const agent = agents[target.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new TypeError(`keepAliveGet: unsupported URL scheme ${target.protocol}`));
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(target, { agent, headers, signal }, (answer) => {
      const status = answer.statusCode ?? 0;
      const answerHeaders = new Headers();
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value === undefined) continue;
        for (const one of Array.isArray(value) ? value : [value]) answerHeaders.append(name, one);
      }
      if (NO_BODY.has(status)) {
        answer.resume();
        resolve(new Response(null, { status, headers: answerHeaders }));
        return;
      }
      const body = Readable.toWeb(answer) as ReadableStream<Uint8Array>;
      resolve(new Response(body, { status, statusText: answer.statusMessage, headers: answerHeaders }));
    });
    request.on("error", reject);
  });
}
