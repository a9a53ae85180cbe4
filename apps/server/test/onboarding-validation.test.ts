import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enterprises } from "../src/modules/enterprises/schema.js";
import { teamsProfiles } from "../src/modules/teams-profiles/schema.js";
import { accounts } from "../src/modules/tenancy/schema.js";
import { trunkProfiles } from "../src/modules/trunks/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { configureOperator, onboardEnterprise } from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const goodTrunk = {
  label: "acme",
  pbxHost: "pbx.acme.example",
  pbxPort: 5060,
  transport: "TLS",
  sipDomain: "acme.example",
  outboundProxy: null,
  mode: "registration",
  allowedIps: [],
  maxConcurrentCalls: 10,
  codecs: ["PCMA"],
};

describe("onboarding input validation", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partnerUser: SignedInUser;
  let regions: string[];
  let enterpriseId: string;

  beforeAll(async () => {
    t = await startTestApp({}, { workers: false });
    tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerUser = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    regions = await configureOperator(t, tree.operator, operatorAdmin, "manual");
    enterpriseId = await onboardEnterprise(t, tree.partner, partnerUser, regions, "taken");
  });
  afterAll(() => t?.stop());

  const rowCounts = async () => ({
    accounts: (await t.deps.db.select({ n: count() }).from(accounts))[0]!.n,
    enterprises: (await t.deps.db.select({ n: count() }).from(enterprises))[0]!.n,
    trunks: (await t.deps.db.select({ n: count() }).from(trunkProfiles))[0]!.n,
    teams: (await t.deps.db.select({ n: count() }).from(teamsProfiles))[0]!.n,
  });

  async function newEnterprise(label: string) {
    const created = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/enterprises`,
      headers: partnerUser.headers,
      payload: {
        companyName: `Co ${label}`,
        adminName: "A",
        adminEmail: `a-${label}@x.example`,
        regionIds: regions,
        services: ["teams-direct-routing"],
        userLimit: 5,
        billingReference: null,
      },
    });
    return created.json().id as string;
  }

  it.each([
    ["not a DNS label", { label: "Bad_Label!" }, "label", "DNS label"],
    ["FQDN over 48 characters", { label: "a-very-long-customer-label-x" }, "label", "at most 48"],
    ["duplicate FQDN", { label: "taken" }, "label", "used by another enterprise"],
    ["port out of range", { pbxPort: 70000 }, "pbxPort", "between 1 and 65535"],
    ["static IP without addresses", { mode: "static-ip" }, "allowedIps", "at least one allowed IP"],
    [
      "bad allowed IP",
      { mode: "static-ip", allowedIps: ["10.0.0.300"] },
      "allowedIps.0",
      "not an IP address",
    ],
  ])("refuses a trunk profile with %s, writing nothing", async (_name, change, field, message) => {
    const id = await newEnterprise(`v${Math.random().toString(36).slice(2, 8)}`);
    const before = await rowCounts();
    const response = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${id}/trunk-profile`,
      headers: partnerUser.headers,
      payload: { ...goodTrunk, ...change },
    });
    expect(response.statusCode).toBe(400);
    const error = response.json().errors.find((e: { field: string }) => e.field === field);
    expect(error?.message).toContain(message);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses an unknown region, per field, for Add Enterprise and for the Teams profile", async () => {
    const before = await rowCounts();
    const unknown = "00000000-0000-4000-8000-000000000000";
    const addEnterprise = (userLimit: number) =>
      t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.partner.id}/enterprises`,
        headers: partnerUser.headers,
        payload: {
          companyName: "Nope",
          adminName: "A",
          adminEmail: "nope@x.example",
          regionIds: [regions[0], unknown],
          services: ["teams-direct-routing"],
          userLimit,
          billingReference: null,
        },
      });
    const created = await addEnterprise(0);
    expect(created.statusCode).toBe(400);
    expect(created.json().errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: "userLimit" })]),
    );
    expect(await rowCounts()).toEqual(before);
    const created2 = await addEnterprise(3);
    expect(created2.json().errors).toEqual([{ field: "regionIds.1", message: "Unknown region." }]);
    expect(await rowCounts()).toEqual(before);

    const teams = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${enterpriseId}/teams-profile`,
      headers: partnerUser.headers,
      payload: {
        pbxLocations: [{ name: "HQ", pbx: "pbx" }],
        regionIds: [unknown],
        defaultRegionId: unknown,
        pstnUsage: "usage",
        dialPlanName: "plan",
        normalizationRules: [{ name: "r", pattern: "([", translation: "+1$1", isInternalExtension: false }],
      },
    });
    expect(teams.statusCode).toBe(400);
    const fields = teams.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["regionIds.0", "normalizationRules.0.pattern"]));
  });

  it("keeps enterprise management with the partner; the enterprise reads only", async () => {
    const own = await createSignedInUser(
      t.deps.db,
      (await t.deps.db.select().from(accounts)).find((a) => a.id === enterpriseId)!,
      "Admin",
    );
    const read = await t.app.inject({
      url: `/api/accounts/${enterpriseId}/trunk-profile`,
      headers: own.headers,
    });
    expect(read.statusCode).toBe(200);
    const write = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${enterpriseId}/trunk-profile`,
      headers: own.headers,
      payload: goodTrunk,
    });
    expect(write.statusCode).toBe(403);
    const foreign = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
    const hidden = await t.app.inject({
      url: `/api/accounts/${enterpriseId}/trunk-profile`,
      headers: foreign.headers,
    });
    expect(hidden.statusCode).toBe(404);
  });

  it("asks the partner to finish onboarding enterprises without trunk or Teams profile", async () => {
    const dashboard = (
      await t.app.inject({ url: `/api/accounts/${tree.partner.id}/dashboard`, headers: partnerUser.headers })
    ).json();
    expect(dashboard.actionItems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          title: "Finish the onboarding",
          description: expect.stringContaining("add the trunk profile and the Teams profile"),
        }),
        expect.objectContaining({
          title: "Connect to Microsoft Teams",
          href: `/enterprises/${enterpriseId}`,
        }),
      ]),
    );
  });

  it("lists enterprises with search, sort and paging on the server, and trunk profiles in scope", async () => {
    const page = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/enterprises?search=taken&sort=name&order=desc&page=1&pageSize=1`,
      headers: partnerUser.headers,
    });
    expect(page.json()).toMatchObject({
      total: 1,
      items: [{ id: enterpriseId, trunkFqdn: "taken.customers.sbc.example.net" }],
    });
    const all = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/enterprises?pageSize=2&page=2`,
      headers: partnerUser.headers,
    });
    expect(all.json().items.length).toBeLessThanOrEqual(2);
    const trunks = await t.app.inject({
      url: `/api/accounts/${tree.partner.id}/trunk-profiles`,
      headers: partnerUser.headers,
    });
    expect(trunks.json().items.map((i: { fqdn: string }) => i.fqdn)).toContain(
      "taken.customers.sbc.example.net",
    );
    const sibling = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
    const none = await t.app.inject({
      url: `/api/accounts/${tree.sibling.id}/trunk-profiles`,
      headers: sibling.headers,
    });
    expect(none.json()).toEqual({ items: [], total: 0, nextCursor: null });
  });
});
