import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { phoneNumbers } from "../src/modules/numbers/schema.js";
import { pbxDirectorySources } from "../src/modules/pbx-directory/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

/** A PBX's directory endpoint (the HTTP adapter's contract), as a real HTTP server the test controls. */
function fakePbx() {
  const seen: IncomingHttpHeaders[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: { users: [] } };
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url !== "/api/users" || req.headers.authorization !== "Bearer pbx-token-1") {
      res.writeHead(req.url === "/api/users" ? 401 : 404).end();
      return;
    }
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
  return {
    seen,
    answer: (status: number, body: unknown) => {
      answer = { status, body };
    },
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, "127.0.0.1", () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api`),
        ),
      ),
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe("PBX directory: CSV upload, the HTTP adapter, and Add User's Phone Number pre-fill", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partner: SignedInUser;
  let customer: SignedInUser;
  const pbx = fakePbx();
  let pbxUrl: string;

  beforeAll(async () => {
    [t, pbxUrl] = await Promise.all([startTestApp(), pbx.start()]);
    tree = await createAccountTree(t.deps.db);
    partner = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    customer = await createSignedInUser(t.deps.db, tree.enterprise, "Admin");
  });
  afterAll(async () => {
    await pbx.stop();
    await t?.stop();
  });

  const call = (
    method: "GET" | "PUT" | "POST",
    path: string,
    payload?: unknown,
    who = partner,
    enterpriseId = tree.enterprise.id,
  ) =>
    t.app.inject({
      method,
      url: `/api/accounts/${enterpriseId}${path}`,
      headers: who.headers,
      payload: payload as object,
    });
  const suggestion = async (sipUser: string) =>
    (
      await call(
        "GET",
        `/teams-users/phone-number-suggestion?sipUser=${encodeURIComponent(sipUser)}`,
        undefined,
        customer,
      )
    ).json();

  it("without a directory, Phone Number suggests the enterprise's next free number", async () => {
    await t.deps.db.insert(phoneNumbers).values(
      ["+14255557302", "+14255557301"].map((number) => ({
        number,
        holderAccountId: tree.partner.id,
        enterpriseAccountId: tree.enterprise.id,
      })),
    );
    expect(await suggestion("201")).toEqual({
      phoneNumber: "+14255557301",
      source: "next-free",
      pbxUserName: null,
    });
  });

  it("a CSV upload replaces the directory; a bad line is named and nothing is written", async () => {
    const bad = await call("PUT", "/pbx-directory", {
      csv: "extension,name,default_caller_id\n201,Ada Lovelace,+1 425 555 7201\n201,Twice,\nx y,Bad,12",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      { field: "csv.2.extension", message: "Extension 201 is listed twice." },
      { field: "csv.3.extension", message: expect.stringContaining('"x y" is not an extension') },
      { field: "csv.3.defaultCallerId", message: expect.stringContaining('"12" is not a phone number') },
    ]);
    expect((await call("GET", "/pbx-directory")).json()).toEqual({ items: [], nextCursor: null });

    const good = await call("PUT", "/pbx-directory", {
      csv: "extension,name,default_caller_id\n201,Ada Lovelace,+1 425 555 7201\n202,Grace Hopper,\n",
    });
    expect(good.json()).toEqual({ imported: 2 });
    expect((await call("GET", "/pbx-directory?q=grace", undefined, customer)).json()).toEqual({
      items: [{ extension: "202", name: "Grace Hopper", defaultCallerId: null, source: "upload" }],
      nextCursor: null,
    });
    // Picking SIP User 201 pre-fills its default caller ID; 202 has none: the next free number.
    expect(await suggestion("201")).toEqual({
      phoneNumber: "+14255557201",
      source: "pbx-directory",
      pbxUserName: "Ada Lovelace",
    });
    expect(await suggestion("202")).toMatchObject({ phoneNumber: "+14255557301", source: "next-free" });
  });

  it("the HTTP adapter reads GET {baseUrl}/users with the sealed bearer token; a failed read keeps the directory", async () => {
    pbx.answer(200, {
      users: [
        { extension: "301", name: "Alan Turing", defaultCallerId: "+14255557311" },
        { extension: "302", name: "Edsger Dijkstra", defaultCallerId: null },
      ],
    });
    const saved = await call("PUT", "/pbx-directory/source", { baseUrl: pbxUrl, bearerToken: "pbx-token-1" });
    expect(saved.statusCode).toBe(202);
    expect(saved.json()).toMatchObject({ baseUrl: pbxUrl, hasBearerToken: true });
    expect(saved.body).not.toContain("pbx-token-1");
    const [row] = await t.deps.db
      .select()
      .from(pbxDirectorySources)
      .where(eq(pbxDirectorySources.enterpriseAccountId, tree.enterprise.id));
    expect(row!.bearerTokenSealed).not.toContain("pbx-token-1");

    await waitFor(
      "directory synced",
      async () => (await call("GET", "/pbx-directory/source")).json().lastSyncCount === 2,
    );
    expect(pbx.seen.at(-1)?.authorization).toBe("Bearer pbx-token-1");
    expect(
      (await call("GET", "/pbx-directory")).json().items.map((u: { extension: string }) => u.extension),
    ).toEqual(["301", "302"]);
    expect(await suggestion("301")).toMatchObject({ phoneNumber: "+14255557311", source: "pbx-directory" });

    // A document off the contract: the reason is recorded, the directory stays.
    pbx.answer(200, { users: [{ extension: "401" }] });
    expect((await call("POST", "/pbx-directory/sync")).statusCode).toBe(202);
    const failed = await waitFor("failed sync recorded", async () => {
      const view = (await call("GET", "/pbx-directory/source")).json();
      return view.lastSyncError ? view : null;
    });
    expect(failed.lastSyncError).toContain("not the PbxDirectoryDocument contract (users.0.name");
    expect((await call("GET", "/pbx-directory")).json().items).toHaveLength(2);
  });

  it("accepts the HTTP adapter's JSON document as an upload too, refusing it whole when a field is bad", async () => {
    const bad = await call("PUT", "/pbx-directory", {
      users: [
        { extension: "501", name: "Barbara Liskov", defaultCallerId: "+1 (425) 555-7501" },
        { extension: "502", name: "Bad Number", defaultCallerId: "555" },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(["users.1.defaultCallerId"]);
    const good = await call("PUT", "/pbx-directory", {
      users: [{ extension: "501", name: "Barbara Liskov", defaultCallerId: "+1 (425) 555-7501" }],
    });
    expect(good.json()).toEqual({ imported: 1 });
    expect((await call("GET", "/pbx-directory")).json().items).toEqual([
      { extension: "501", name: "Barbara Liskov", defaultCallerId: "+14255557501", source: "upload" },
    ]);
  });

  it("refuses a URL that is not http(s), and another partner's enterprise is not found", async () => {
    const bad = await call("PUT", "/pbx-directory/source", { baseUrl: "file:///etc/passwd" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe("baseUrl");
    const foreign = await call("GET", "/pbx-directory", undefined, partner, tree.siblingEnterprise.id);
    expect(foreign.statusCode).toBe(404);
  });
});
