import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries, webhookEvents } from "../src/modules/webhooks/schema.js";
import {
  createAccount,
  createAccountTree,
  createSignedInUser,
  type SignedInUser,
} from "./support/factories.js";
import { configureOperator, onboardEnterprise } from "./support/onboarding.js";
import { enterpriseWithSyncedUsers } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

/** A paged list: its URL (with its own filters), who reads it, how many items it holds, and their key. */
interface PagedList {
  name: string;
  url: () => string;
  as: () => SignedInUser;
  /** How many items the list holds; null: at least 3 (the audit log, which every write above adds to). */
  expected: number | null;
  /** The array of the answer that holds the page (`items`, or `rows` of an import). */
  itemsKey?: string;
  key?: (item: Record<string, unknown>) => string;
}

describe("Cursor pagination on every list (issue 15, Public API conventions)", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let operatorAdmin: SignedInUser;
  let partnerAdmin: SignedInUser;
  let enterpriseAdmin: SignedInUser;
  let enterpriseIds: string[];
  let endpointId: string;
  let importId: string;

  const inject = (method: "GET" | "POST" | "PUT", url: string, user: SignedInUser, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: user.headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const created = async (response: Awaited<ReturnType<typeof inject>>) => {
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json();
  };

  beforeAll(async () => {
    t = await startTestApp(
      { WEBHOOKS_ALLOW_PRIVATE: "loopback", TEAMS_USERS_SYNC_MINUTES: "0" },
      { workers: false },
    );
    const { db } = t.deps;
    tree = await createAccountTree(db);
    operatorAdmin = await createSignedInUser(db, tree.operator, "Admin");
    partnerAdmin = await createSignedInUser(db, tree.partner, "Admin");
    enterpriseAdmin = await createSignedInUser(db, tree.enterprise, "Admin");

    // Two more Admins of the partner with the same name as the first: ties on the sort key go by id.
    for (let i = 0; i < 2; i++) await createSignedInUser(db, tree.partner, "Admin");
    await createAccount(db, "partner", tree.operator, "Partner C");

    const regions = await configureOperator(t, tree.operator, operatorAdmin);
    await created(
      await inject("POST", `/api/accounts/${tree.operator.id}/sbc-regions`, operatorAdmin, {
        name: "EU North",
        sbcFqdns: ["sbc-eun.sbc.example.net"],
        sipPort: 5061,
      }),
    );
    enterpriseIds = [];
    for (const label of ["alpha", "beta", "gamma"]) {
      enterpriseIds.push(await onboardEnterprise(t, tree.partner, partnerAdmin, regions, label));
    }
    // The tree's own enterprise gets its profile (and synced users) directly: a fourth enterprise.
    await enterpriseWithSyncedUsers(db, tree.enterprise, 3);

    for (const name of ["billing", "crm", "provisioning"]) {
      await created(
        await inject("POST", `/api/accounts/${tree.partner.id}/api-keys`, partnerAdmin, {
          name,
          role: "User",
        }),
      );
    }
    // Keys created within one millisecond: a cursor that kept only milliseconds would repeat or skip them.
    await db.execute(sql`
      update api_keys set created_at = '2026-01-01T00:00:00.000100Z'::timestamptz
        + (interval '100 microseconds' * (select count(*) from api_keys k where k.id < api_keys.id))`);

    for (const path of ["a", "b", "c"]) {
      const body = await created(
        await inject("POST", `/api/accounts/${tree.partner.id}/webhooks`, partnerAdmin, {
          url: `http://127.0.0.1:9/${path}`,
          eventTypes: ["consent.granted"],
        }),
      );
      endpointId = body.endpoint.id;
    }
    const events = await db
      .insert(webhookEvents)
      .values(
        Array.from({ length: 5 }, () => ({ accountId: tree.partner.id, type: "consent.granted", data: {} })),
      )
      .returning();
    // Already queued (the relay leaves them alone); two share one instant, three lie within one millisecond.
    const instants = ["00.000100", "00.000200", "00.000300", "01.000000", "01.000000"];
    await db.insert(webhookDeliveries).values(
      events.map((event, i) => ({
        eventId: event.id,
        endpointId,
        accountId: tree.partner.id,
        enqueuedAt: new Date(),
        createdAt: sql`${`2026-01-01T00:00:${instants[i]}Z`}::timestamptz` as unknown as Date,
      })),
    );

    await created(
      await inject("POST", `/api/accounts/${tree.operator.id}/numbers`, operatorAdmin, {
        first: "+14255550100",
        last: "+14255550104",
      }),
    );
    await created(
      await inject("PUT", `/api/accounts/${enterpriseIds[0]}/pbx-directory`, partnerAdmin, {
        csv: "201,Ada Lovelace,\n202,Grace Hopper,\n203,Alan Turing,\n",
      }),
    );
    const upload = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/teams-users/imports?fileName=users.csv`,
      headers: { ...enterpriseAdmin.headers, "content-type": "text/csv" },
      payload:
        "teams_upn,sip_user,phone_number,voice_route,pbx_location,disable_voicemail,assign_dial_plan,devices\n" +
        "user00000@contoso.example,100,,,,yes,yes,\n" +
        "user00001@contoso.example,101,,,,yes,yes,\n" +
        "user00002@contoso.example,102,,,,yes,yes,\n",
    });
    importId = (await created(upload)).id;
    // Audit events 100 µs apart, ten to a millisecond (the audit log's cursor once kept milliseconds only).
    await db.execute(sql`
      update audit_events set at = '2026-01-01T00:00:00.000100Z'::timestamptz
        + (interval '100 microseconds' * (select count(*) from audit_events e where e.id < audit_events.id))`);
  }, 240_000);
  afterAll(async () => t?.stop());

  const lists = (): PagedList[] => [
    {
      name: "portal users",
      url: () => `/api/accounts/${tree.partner.id}/users`,
      as: () => partnerAdmin,
      expected: 3,
    },
    {
      name: "API keys",
      url: () => `/api/accounts/${tree.partner.id}/api-keys`,
      as: () => partnerAdmin,
      expected: 3,
    },
    {
      name: "partners",
      url: () => `/api/accounts/${tree.operator.id}/partners`,
      as: () => operatorAdmin,
      expected: 3,
    },
    {
      name: "webhook endpoints",
      url: () => `/api/accounts/${tree.partner.id}/webhooks`,
      as: () => partnerAdmin,
      expected: 3,
    },
    {
      name: "webhook deliveries",
      url: () => `/api/accounts/${tree.partner.id}/webhooks/${endpointId}/deliveries`,
      as: () => partnerAdmin,
      expected: 5,
    },
    {
      name: "SBC regions",
      url: () => `/api/accounts/${tree.operator.id}/sbc-regions`,
      as: () => operatorAdmin,
      expected: 4, // configureOperator's two, EU North, and the one enterpriseWithSyncedUsers adds
    },
    {
      name: "enterprises by name",
      url: () => `/api/accounts/${tree.partner.id}/enterprises`,
      as: () => partnerAdmin,
      expected: 4,
    },
    {
      name: "enterprises newest first",
      url: () => `/api/accounts/${tree.partner.id}/enterprises?sort=createdAt&order=desc`,
      as: () => partnerAdmin,
      expected: 4,
    },
    {
      name: "enterprises by status",
      url: () => `/api/accounts/${tree.operator.id}/enterprises?sort=status`,
      as: () => operatorAdmin,
      expected: 4,
    },
    {
      name: "trunk profiles",
      url: () => `/api/accounts/${tree.partner.id}/trunk-profiles`,
      as: () => partnerAdmin,
      expected: 3,
    },
    {
      name: "numbers",
      url: () => `/api/accounts/${tree.operator.id}/numbers`,
      as: () => operatorAdmin,
      expected: 5,
      key: (item) => String(item.number),
    },
    {
      name: "PBX directory",
      url: () => `/api/accounts/${enterpriseIds[0]}/pbx-directory`,
      as: () => partnerAdmin,
      expected: 3,
      key: (item) => String(item.extension),
    },
    {
      name: "rows of a users import",
      url: () => `/api/accounts/${tree.enterprise.id}/teams-users/imports/${importId}`,
      as: () => enterpriseAdmin,
      expected: 3,
      itemsKey: "rows",
      key: (item) => String(item.rowNumber),
    },
    {
      name: "audit log",
      url: () => `/api/accounts/${tree.partner.id}/audit`,
      as: () => partnerAdmin,
      expected: null,
    },
  ];

  const withQuery = (url: string, query: Record<string, string>) =>
    `${url}${url.includes("?") ? "&" : "?"}${new URLSearchParams(query)}`;

  /** Follows `nextCursor` with pages of `limit`, checking each page's size; the keys in order. */
  async function walk(list: PagedList, limit: number) {
    const keys: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await inject(
        "GET",
        withQuery(list.url(), { limit: String(limit), ...(cursor ? { cursor } : {}) }),
        list.as(),
      );
      expect(response.statusCode, `${list.name}: ${response.body}`).toBe(200);
      const body = response.json();
      const items = body[list.itemsKey ?? "items"] as Record<string, unknown>[];
      expect(items.length, `${list.name}: page size`).toBeLessThanOrEqual(limit);
      expect(
        body.nextCursor === null || items.length === limit,
        `${list.name}: only a full page continues`,
      ).toBe(true);
      keys.push(...items.map((item) => (list.key ?? ((i) => String(i.id)))(item)));
      cursor = body.nextCursor;
      pages++;
      expect(pages, `${list.name}: ends`).toBeLessThanOrEqual((list.expected ?? 200) + 1);
    } while (cursor);
    return keys;
  }

  it("walks every list with limit 1 and 2: every item exactly once, in the order of one big page", async () => {
    for (const list of lists()) {
      const whole = await walk(list, 200);
      if (list.expected === null)
        expect(whole.length, `${list.name}: the whole list`).toBeGreaterThanOrEqual(3);
      else expect(whole, `${list.name}: the whole list`).toHaveLength(list.expected);
      for (const limit of [1, 2]) {
        const walked = await walk(list, limit);
        expect(new Set(walked).size, `${list.name} by ${limit}: no repeats`).toBe(walked.length);
        expect(walked, `${list.name} by ${limit}`).toEqual(whole);
      }
    }
  });

  it("answers 400 problem+json naming `cursor` for a damaged or foreign cursor, and naming `limit` out of range", async () => {
    const numbersPage = (
      await inject("GET", `/api/accounts/${tree.operator.id}/numbers?limit=1`, operatorAdmin)
    ).json();
    const foreign = numbersPage.nextCursor as string;
    expect(foreign).toEqual(expect.any(String));
    for (const list of lists()) {
      for (const cursor of ["not-a-cursor", "%%%", Buffer.from('{"a":1}').toString("base64url")]) {
        const response = await inject("GET", withQuery(list.url(), { cursor }), list.as());
        expect(response.statusCode, `${list.name} with ${cursor}: ${response.body}`).toBe(400);
        expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
        expect(response.json().errors.map((e: { field: string }) => e.field)).toContain("cursor");
      }
      const limit = await inject("GET", withQuery(list.url(), { limit: "0" }), list.as());
      expect(limit.statusCode, `${list.name} limit 0`).toBe(400);
      expect(limit.json().errors.map((e: { field: string }) => e.field)).toContain("limit");
    }
    // A cursor of another list is refused where its shape differs (a UUID expected, a number given).
    const apiKeys = await inject(
      "GET",
      `/api/accounts/${tree.partner.id}/api-keys?cursor=${foreign}`,
      partnerAdmin,
    );
    expect(apiKeys.statusCode).toBe(400);
    // An enterprise cursor made for one sort is refused for another.
    const byName = (
      await inject("GET", `/api/accounts/${tree.partner.id}/enterprises?limit=1`, partnerAdmin)
    ).json();
    const otherSort = await inject(
      "GET",
      `/api/accounts/${tree.partner.id}/enterprises?sort=createdAt&cursor=${byName.nextCursor}`,
      partnerAdmin,
    );
    expect(otherSort.statusCode, otherSort.body).toBe(400);
    expect(otherSort.json().errors.map((e: { field: string }) => e.field)).toContain("cursor");
    // A well-formed cursor whose sort key cannot be one (no account has status "bogus") is refused too.
    const forged = Buffer.from(JSON.stringify(["status", "asc", "bogus", tree.partner.id])).toString(
      "base64url",
    );
    const bogus = await inject(
      "GET",
      `/api/accounts/${tree.partner.id}/enterprises?sort=status&cursor=${forged}`,
      partnerAdmin,
    );
    expect(bogus.statusCode, bogus.body).toBe(400);
    expect(bogus.json().errors.map((e: { field: string }) => e.field)).toContain("cursor");
  });
});
