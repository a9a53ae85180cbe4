import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { teamsVoice } from "../src/modules/microsoft/teams-voice.js";
import { teamsUserSyncs, teamsUsers } from "../src/modules/teams-users/schema.js";
import { runSync } from "../src/modules/teams-users/sync.js";
import { useConnectedContoso } from "./support/teams-users-sync.js";

const CONTOSO = DEMO_TENANTS.contoso;

/**
 * The network between the portal and Microsoft (the emulator): answers pass through unchanged, except that a
 * delta page with a next link is sent in two parts, its links and first bytes of `value` at once and the rest
 * only once the request for the next page has arrived (`holding`), or with its links moved after `value`
 * (`linksLast`, as OData allows).
 */
async function startGraphPassage(graphUrl: string) {
  const events: string[] = [];
  let mode: "holding" | "linksLast" = "holding";
  let held: { page: number; response: ServerResponse; rest: string } | null = null;
  let pages = 0;

  async function pass(request: IncomingMessage, response: ServerResponse) {
    const isDelta = request.url!.startsWith("/v1.0/users/delta");
    if (isDelta) {
      events.push(`request ${pages + 1}`);
      if (held) {
        held.response.end(held.rest);
        events.push(`page ${held.page} complete`);
        held = null;
      }
    }
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "accept", "prefer", "client-request-id"]) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const answer = await fetch(`${graphUrl}${request.url}`, { headers });
    const text = await answer.text();
    response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
    if (!isDelta || answer.status !== 200) return response.end(text);
    const page = ++pages;
    const body = JSON.parse(text) as Record<string, unknown>;
    if (mode === "linksLast") {
      const { value, ...annotations } = body;
      return response.end(JSON.stringify({ value, ...annotations }));
    }
    if (!body["@odata.nextLink"]) return response.end(text);
    const cut = text.indexOf('"value":[') + '"value":['.length + 1;
    response.write(text.slice(0, cut));
    events.push(`page ${page} links sent`);
    held = { page, response, rest: text.slice(cut) };
  }

  const server = createServer((request, response) => {
    pass(request, response).catch((error: Error) => response.destroy(error));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    /** How the next delta pages are passed on; the page count starts again. */
    use(next: typeof mode) {
      mode = next;
      pages = 0;
      events.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("Teams users sync: the next delta page is asked for from the first bytes of a page", () => {
  const ctx = useConnectedContoso();
  let passage: Awaited<ReturnType<typeof startGraphPassage>>;
  beforeAll(async () => {
    passage = await startGraphPassage((await ctx.t.deps.microsoft.settings()).graphUrl);
  });
  afterAll(() => passage?.close());

  /** One sync round through the passage, as the sync job runs it. */
  const syncThroughPassage = () =>
    runSync(ctx.t.deps, ctx.enterpriseId, {
      api: teamsVoice({
        baseUrl: `${passage.url}/v1.0`,
        tenantId: CONTOSO.id,
        tokens: ctx.t.deps.microsoft.tokens,
        policyIds: new Map(),
      }),
    });

  const presentUsers = async () =>
    ctx.t.deps.db
      .select({ id: teamsUsers.objectId })
      .from(teamsUsers)
      .where(and(eq(teamsUsers.enterpriseAccountId, ctx.enterpriseId), isNull(teamsUsers.removedAt)));
  const syncRow = async () =>
    (
      await ctx.t.deps.db
        .select()
        .from(teamsUserSyncs)
        .where(eq(teamsUserSyncs.enterpriseAccountId, ctx.enterpriseId))
    )[0]!;

  it("requests each next page while the previous page's users are still held back, and stores every user", async () => {
    ctx.emulator.state.generateUsers(CONTOSO.id, 120, 11);
    ctx.emulator.state.setFaults({ maxPageSize: 20 });
    passage.use("holding");
    // Waiting for a page's whole answer before the next request would never end: the rest comes after it.
    const { pages, users } = await syncThroughPassage();
    expect(pages).toBeGreaterThanOrEqual(6);
    for (let page = 1; page < pages; page++) {
      const events = passage.events;
      expect(events.indexOf(`page ${page} links sent`)).toBeLessThan(events.indexOf(`request ${page + 1}`));
      expect(events.indexOf(`request ${page + 1}`)).toBeLessThan(events.indexOf(`page ${page} complete`));
    }
    expect(await syncRow()).toMatchObject({ status: "completed", pages, usersSeen: users });
    expect((await presentUsers()).length).toBe(users);
  });

  it("waits for the whole page when its links come after `value`, and stores the round's users", async () => {
    ctx.emulator.state.generateUsers(CONTOSO.id, 70, 12);
    const before = (await presentUsers()).length;
    passage.use("linksLast");
    const { pages, users } = await syncThroughPassage();
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(users).toBe(70);
    expect(await syncRow()).toMatchObject({ status: "completed", pages, added: 70 });
    expect((await presentUsers()).length).toBe(before + 70);
  });
});
