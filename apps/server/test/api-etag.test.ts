import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { teamsUsers } from "../src/modules/teams-users/schema.js";
import { createApiKey } from "./support/api-keys.js";
import { createSignedInUser } from "./support/factories.js";
import { configuredOperatorAndPartner, onboardEnterprise } from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { trunkProfileBody } from "./support/trunk-profile.js";

/**
 * ETag / If-Match on the updates of an enterprise, its trunk and Teams profiles and a provisioned user
 * (issue 15, "Public API conventions"): a GET answers the version, an update sent with a stale one is refused
 * with 412 and writes nothing, and of two updates sent with the same version exactly one wins.
 */
describe("ETag and If-Match on updates", () => {
  let t: TestApp;
  let enterpriseId: string;
  let regions: string[];
  let userId: string;
  let partnerId: string;
  const principals: Record<string, Record<string, string>> = {};

  interface Resource {
    name: string;
    url: () => string;
    /** A valid update body whose distinguishing value is `n`. */
    body: (n: number) => Record<string, unknown>;
    /** The distinguishing value of a GET's body. */
    mark: (body: Record<string, unknown>) => unknown;
  }

  const resources: Resource[] = [
    {
      name: "enterprise",
      url: () => `/api/accounts/${enterpriseId}/enterprise`,
      body: (n) => ({
        companyName: "Company etag",
        regionIds: regions,
        services: ["teams-direct-routing"],
        userLimit: n,
        billingReference: "B-etag",
      }),
      mark: (body) => body.userLimit,
    },
    {
      name: "trunk profile",
      url: () => `/api/accounts/${enterpriseId}/trunk-profile`,
      body: (n) => trunkProfileBody({ label: "etag", maxConcurrentCalls: n }),
      mark: (body) => ((body.profile ?? body) as Record<string, unknown>).maxConcurrentCalls,
    },
    {
      name: "Teams profile",
      url: () => `/api/accounts/${enterpriseId}/teams-profile`,
      body: (n) => ({
        pbxLocations: [{ name: "Head office", pbx: "pbx.customer.example" }],
        regionIds: regions,
        defaultRegionId: regions[0],
        pstnUsage: "s2t-etag",
        dialPlanName: `s2t-etag-${n}`,
        normalizationRules: [],
      }),
      mark: (body) => ((body.profile ?? body) as Record<string, unknown>).dialPlanName,
    },
    {
      name: "user",
      url: () => `/api/accounts/${enterpriseId}/teams-users/${userId}`,
      body: (n) => ({
        pbxLocation: "Head office",
        regionId: regions[0],
        sipUser: `${n}`,
        disableVoicemail: true,
        assignDialPlan: true,
        devices: [],
      }),
      mark: (body) => Number(body.sipUser),
    },
  ];

  beforeAll(async () => {
    t = await startTestApp({ TEAMS_USERS_SYNC_MINUTES: "0" });
    const setup = await configuredOperatorAndPartner(t);
    regions = setup.regions;
    partnerId = setup.tree.partner.id;
    enterpriseId = await onboardEnterprise(t, setup.tree.partner, setup.partnerUser, regions, "etag");
    principals.session = (await createSignedInUser(t.deps.db, setup.tree.partner, "Admin")).headers;
    principals["API key"] = (await createApiKey(t.deps.db, setup.tree.partner, "Admin")).headers;

    // A synced Teams user (no Microsoft connection: the added user waits for consent, no job touches it).
    const objectId = crypto.randomUUID();
    await t.deps.db.insert(teamsUsers).values({
      enterpriseAccountId: enterpriseId,
      objectId,
      userPrincipalName: "ada@contoso.example",
      displayName: "Ada",
      eligible: true,
      hasTeamsPhone: true,
    });
    const added = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users`,
      headers: principals.session,
      payload: {
        teamsUserObjectId: objectId,
        pbxLocation: "Head office",
        regionId: regions[0],
        sipUser: "100",
        phoneNumber: "+14255551000",
        devices: [],
      },
    });
    if (added.statusCode !== 201) throw new Error(added.body);
    userId = added.json().id;
  });
  afterAll(async () => t?.stop());

  const get = async (resource: Resource, headers: Record<string, string>) => {
    const response = await t.app.inject({ url: resource.url(), headers });
    expect(response.statusCode).toBe(200);
    return { etag: response.headers.etag as string | undefined, body: response.json() };
  };
  const put = (resource: Resource, headers: Record<string, string>, n: number, ifMatch?: string) =>
    t.app.inject({
      method: "PUT",
      url: resource.url(),
      headers: { ...headers, ...(ifMatch === undefined ? {} : { "if-match": ifMatch }) },
      payload: resource.body(n),
    });

  let counter = 1000;
  describe.each(["session", "API key"])("through a %s", (principal) => {
    describe.each(resources)("the $name", (resource) => {
      it("GET answers a strong ETag, the same until something changes", async () => {
        const first = await get(resource, principals[principal]!);
        expect(first.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
        expect((await get(resource, principals[principal]!)).etag).toBe(first.etag);
      });

      it("an update with the current ETag succeeds and answers the new one", async () => {
        const before = await get(resource, principals[principal]!);
        const n = ++counter;
        const saved = await put(resource, principals[principal]!, n, before.etag);
        expect(saved.statusCode, saved.body).toBe(200);
        expect(saved.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
        expect(saved.headers.etag).not.toBe(before.etag);
        const after = await get(resource, principals[principal]!);
        expect(after.etag).toBe(saved.headers.etag);
        expect(resource.mark(after.body)).toEqual(resource.mark(resource.body(n)));
      });

      it("an update with a stale ETag is refused with 412 and writes nothing", async () => {
        const stale = (await get(resource, principals[principal]!)).etag!;
        const first = ++counter;
        expect((await put(resource, principals[principal]!, first, stale)).statusCode).toBe(200);
        const current = await get(resource, principals[principal]!);
        const audited = async () => (await t.deps.db.select({ n: count() }).from(auditEvents))[0]!.n;
        const auditedBefore = await audited();

        const refused = await put(resource, principals[principal]!, ++counter, stale);
        expect(refused.statusCode).toBe(412);
        expect(refused.headers["content-type"]).toContain("application/problem+json");
        expect(refused.json()).toMatchObject({
          status: 412,
          title: "Precondition Failed",
          detail: `This ${resource.name} was changed by someone else since you loaded it. Reload and try again.`,
        });
        const after = await get(resource, principals[principal]!);
        expect(after.etag).toBe(current.etag);
        expect(resource.mark(after.body)).toEqual(resource.mark(resource.body(first)));
        expect(await audited()).toBe(auditedBefore);
      });

      it("of two concurrent updates with the same ETag exactly one wins", async () => {
        const { etag } = await get(resource, principals[principal]!);
        const [a, b] = [++counter, ++counter];
        const answers = await Promise.all([
          put(resource, principals[principal]!, a, etag),
          put(resource, principals[principal]!, b, etag),
        ]);
        expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 412]);
        const winner = answers[0]!.statusCode === 200 ? a : b;
        const after = await get(resource, principals[principal]!);
        expect(resource.mark(after.body)).toEqual(resource.mark(resource.body(winner)));
        expect(after.etag).toBe(answers.find((r) => r.statusCode === 200)!.headers.etag);
      });
    });
  });

  describe("If-Match is optional and follows RFC 9110", () => {
    const trunk = resources[1]!;

    it("an update without If-Match still succeeds (API compatibility), and If-Match: * matches any version", async () => {
      expect((await put(trunk, principals.session!, ++counter)).statusCode).toBe(200);
      const n = ++counter;
      expect((await put(trunk, principals.session!, n, "*")).statusCode).toBe(200);
      expect(trunk.mark((await get(trunk, principals.session!)).body)).toBe(n);
    });

    it("a weak tag never matches; a list matches if one of its tags does", async () => {
      const { etag } = await get(trunk, principals.session!);
      expect((await put(trunk, principals.session!, ++counter, `W/${etag}`)).statusCode).toBe(412);
      const listed = await put(trunk, principals.session!, ++counter, `"stale", ${etag}`);
      expect(listed.statusCode).toBe(200);
    });

    it("a malformed If-Match is a 400 naming the header", async () => {
      const bad = await put(trunk, principals.session!, ++counter, "not-quoted");
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors).toEqual([
        { field: "if-match", message: 'Send the ETag you received (a quoted string, e.g. "abc…") or *.' },
      ]);
    });

    it("If-None-Match: * saves a profile only if none exists yet", async () => {
      const before = await get(trunk, principals.session!);
      const refused = await t.app.inject({
        method: "PUT",
        url: trunk.url(),
        headers: { ...principals.session!, "if-none-match": "*" },
        payload: trunk.body(++counter),
      });
      expect(refused.statusCode).toBe(412);
      expect(refused.json().detail).toBe(
        "This trunk profile was saved by someone else since you loaded it. Reload and try again.",
      );
      expect((await get(trunk, principals.session!)).etag).toBe(before.etag);
    });

    it("while there is no profile: no ETag, If-Match fails, and of two concurrent If-None-Match: * saves one wins", async () => {
      const created = await t.app.inject({
        method: "POST",
        url: `/api/accounts/${partnerId}/enterprises`,
        headers: principals.session!,
        payload: {
          companyName: "Company fresh",
          adminName: "Casey Admin",
          adminEmail: "admin-fresh@customer.example",
          regionIds: regions,
          services: ["teams-direct-routing"],
          userLimit: 50,
          billingReference: null,
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const url = `/api/accounts/${created.json().id}/trunk-profile`;
      const empty = await t.app.inject({ url, headers: principals.session! });
      expect(empty.json().profile).toBeNull();
      expect(empty.headers.etag).toBeUndefined();

      const save = (n: number, headers: Record<string, string>) =>
        t.app.inject({
          method: "PUT",
          url,
          headers: { ...principals.session!, ...headers },
          payload: trunkProfileBody({ label: "fresh", maxConcurrentCalls: n }),
        });
      const gone = await save(1, { "if-match": '"whatever"' });
      expect(gone.statusCode).toBe(412);
      expect(gone.json().detail).toBe("This trunk profile does not exist any more. Reload and try again.");

      const answers = await Promise.all([
        save(2, { "if-none-match": "*" }),
        save(3, { "if-none-match": "*" }),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 412]);
      const winner = answers[0]!.statusCode === 200 ? 2 : 3;
      const after = await t.app.inject({ url, headers: principals.session! });
      expect(after.json().profile.maxConcurrentCalls).toBe(winner);
      expect(after.headers.etag).toBe(answers.find((r) => r.statusCode === 200)!.headers.etag);
    });
  });
});
