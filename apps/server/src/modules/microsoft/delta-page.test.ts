import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { readDeltaPage } from "./delta-page.js";

const NEXT =
  "https://graph.microsoft.com/v1.0/users/delta?$skiptoken=pqwSUjGYvb3jQpbwVAwEL7yuI3dU1LecfkkfLPtnIjsXoYQp";
const DELTA =
  "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=oEcOySpF_hWYmTIUZBOIfPzcwisr_rPe8o9M54L45qEXQ";
const CONTEXT = '"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users"';
const users =
  '[{"id":"1","displayName":"Ada \\"@odata.nextLink\\":\\"x\\""},{"id":"2","displayName":"Zoë Çelik"}]';

/** An answer whose bytes the test hands over piece by piece (`send`), ended by `end`. */
function arriving() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    body,
    send: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
    end: () => controller.close(),
    /** As a connection reset mid-answer. */
    fail: (error: Error) => controller.error(error),
  };
}

/** A whole answer, in pieces of `size` bytes (a multi-byte character may be split between two). */
function answer(text: string, size = 7): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(c) {
      for (let at = 0; at < bytes.length; at += size) c.enqueue(bytes.slice(at, at + size));
      c.close();
    },
  });
}

describe("readDeltaPage", () => {
  it("hands the page back with its next link while its users are still arriving (Microsoft's documented order)", async () => {
    const page = arriving();
    page.send(`{${CONTEXT},"@odata.nextLink":"${NEXT}","val`);
    page.send('ue":[{"id":"1"}');
    // Nothing more has been sent: the page is handed back from what arrived.
    const read = await readDeltaPage(page.body);
    expect(read["@odata.nextLink"]).toBe(NEXT);
    const users = read.users();
    page.send(',{"id":"2","displayName":"Zoë"}]}');
    page.end();
    expect((await users).map((u) => u.displayName ?? u.id)).toEqual(["1", "Zoë"]);
  });

  it("fails the users, not the links, when the answer read early is broken or cut off", async () => {
    const broken = await readDeltaPage(
      answer(`{${CONTEXT},"@odata.nextLink":"${NEXT}","value":[{"id":"1",}]}`),
    );
    expect(broken["@odata.nextLink"]).toBe(NEXT);
    await expect(broken.users()).rejects.toThrow(SyntaxError);

    const page = arriving();
    page.send(`{"@odata.nextLink":"${NEXT}","value":[{"id":"1"}`);
    const cut = await readDeltaPage(page.body);
    expect(cut["@odata.nextLink"]).toBe(NEXT);
    page.fail(new TypeError("terminated"));
    await expect(cut.users()).rejects.toThrow("terminated");
  });

  it("over HTTP: the next page is asked for while the server still holds the rest of this one", async () => {
    // A server playing Graph: page 1's users are finished only once the request for page 2 has arrived.
    let heldPage1: ServerResponse | null = null;
    const server = createServer((request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      if (request.url === "/users/delta") {
        response.write(
          `{${CONTEXT},"@odata.nextLink":"http://${request.headers.host}/page2","value":[{"id":"1"}`,
        );
        heldPage1 = response;
        return;
      }
      heldPage1?.end(',{"id":"2"}]}');
      response.end(`{${CONTEXT},"@odata.deltaLink":"${DELTA}","value":[{"id":"3"}]}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const page1 = await readDeltaPage((await fetch(`${base}/users/delta`)).body!);
      expect(heldPage1).not.toBeNull();
      const page2 = await readDeltaPage((await fetch(page1["@odata.nextLink"]!)).body!);
      expect(page2["@odata.deltaLink"]).toBe(DELTA);
      expect((await page1.users()).map((u) => u.id)).toEqual(["1", "2"]);
      expect((await page2.users()).map((u) => u.id)).toEqual(["3"]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("reads a link after `value` once the whole answer has arrived, and the users", async () => {
    const page = await readDeltaPage(answer(`{${CONTEXT},"value":${users},"@odata.deltaLink":"${DELTA}"}`));
    expect(page["@odata.deltaLink"]).toBe(DELTA);
    expect(page["@odata.nextLink"]).toBeUndefined();
    const read = await page.users();
    expect(read.map((u) => u.id)).toEqual(["1", "2"]);
    expect(read.map((u) => u.displayName)).toEqual(['Ada "@odata.nextLink":"x"', "Zoë Çelik"]);
  });

  it("ignores a link-like key inside a user and fails the page, on every read, when its links were read wrongly", async () => {
    const inside = `{${CONTEXT},"value":[{"id":"1","@odata.nextLink":"${NEXT}"}],"@odata.deltaLink":"${DELTA}"}`;
    expect((await readDeltaPage(answer(inside)))["@odata.nextLink"]).toBeUndefined();
    // Spelled with an escape, the second key is the one a parse keeps, and the early read does not see it.
    const twice = `{${CONTEXT},"@odata.nextLink":"${NEXT}","value":[],"@odata\\u002enextLink":"${DELTA}"}`;
    const page = await readDeltaPage(answer(twice));
    expect(page["@odata.nextLink"]).toBe(NEXT);
    await expect(page.users()).rejects.toThrow(/read wrongly/);
    await expect(page.users()).rejects.toThrow(/read wrongly/);
  });

  it("parses a page without links at once", async () => {
    const page = await readDeltaPage(answer(`{${CONTEXT},"value":[{"id":"1"}]}`));
    expect(page["@odata.nextLink"]).toBeUndefined();
    expect(await page.users()).toEqual([{ id: "1" }]);
  });
});
