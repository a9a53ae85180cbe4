import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createApiClient } from "./api-client.js";
import { keepAliveGet } from "./keep-alive-get.js";
import type { TokenProvider } from "./tokens.js";

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A local HTTP server that counts the connections it accepted. */
async function serve(handler: Handler) {
  const server = createServer(handler);
  servers.push(server);
  let connections = 0;
  server.on("connection", () => connections++);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, connections: () => connections };
}

const tokens: TokenProvider = {
  get: async () => "token",
  clientCredential: async () => ({}),
  invalidate: () => undefined,
};

describe("keepAliveGet", () => {
  it("hands the body back while it is still arriving", async () => {
    let finish: (() => void) | null = null;
    const { base } = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"@odata.nextLink":"next","value":[');
      finish = () => response.end("1,2]}");
    });
    const answer = await keepAliveGet(`${base}/page`, { accept: "application/json" });
    const reader = answer.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('{"@odata.nextLink":"next","value":[');
    expect(finish).not.toBeNull();
    finish!();
    let rest = "";
    for (let part = await reader.read(); !part.done; part = await reader.read())
      rest += new TextDecoder().decode(part.value);
    expect(rest).toBe("1,2]}");
  });

  it("sends the headers it is given and answers the status and headers as they came", async () => {
    const { base } = await serve((request, response) => {
      response.setHeader("set-cookie", ["a=1", "b=2"]);
      response.writeHead(207, { "x-seen": String(request.headers.authorization) });
      response.end("body");
    });
    const answer = await keepAliveGet(`${base}/x`, { authorization: "Bearer t" });
    expect(answer.status).toBe(207);
    expect(answer.headers.get("x-seen")).toBe("Bearer t");
    expect(answer.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await answer.text()).toBe("body");
  });

  it("answers a 204 without a body", async () => {
    const { base } = await serve((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    const answer = await keepAliveGet(`${base}/none`, {});
    expect(answer.status).toBe(204);
    expect(answer.body).toBeNull();
  });

  it("reuses one connection for requests made one after another", async () => {
    const { base, connections } = await serve((_request, response) => response.end("ok"));
    for (let i = 0; i < 3; i++) expect(await (await keepAliveGet(`${base}/${i}`, {})).text()).toBe("ok");
    expect(connections()).toBe(1);
  });

  it("rejects when the server cannot be reached, and when aborted", async () => {
    const { base } = await serve(() => undefined); // never answers
    const controller = new AbortController();
    const pending = keepAliveGet(`${base}/hang`, {}, controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(keepAliveGet("http://127.0.0.1:1/", {})).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await expect(keepAliveGet("ftp://127.0.0.1/", {})).rejects.toThrow(/unsupported URL scheme/);
  });
});

describe("createApiClient getStream", () => {
  it("waits out a 429's Retry-After, then streams the successful answer", async () => {
    let calls = 0;
    const { base } = await serve((_request, response) => {
      calls++;
      if (calls === 1) {
        response.writeHead(429, { "retry-after": "0" });
        return response.end('{"error":{"code":"TooManyRequests","message":"slow down"}}');
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"value":[]}');
    });
    const client = createApiClient({ baseUrl: base, tenantId: "t", audience: "graph", tokens });
    const { status, body } = await client.getStream("/users/delta");
    expect(status).toBe(200);
    expect(await new Response(body).text()).toBe('{"value":[]}');
    expect(calls).toBe(2);
  });

  it("fails with Microsoft's error on a 4xx, read whole", async () => {
    const { base } = await serve((_request, response) => {
      response.writeHead(403, { "content-type": "application/json" });
      response.end('{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}}');
    });
    const client = createApiClient({ baseUrl: base, tenantId: "t", audience: "graph", tokens });
    await expect(client.getStream("/users/delta")).rejects.toMatchObject({
      status: 403,
      code: "Authorization_RequestDenied",
    });
  });
});
