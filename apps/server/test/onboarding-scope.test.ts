import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/client.js";
import { enterpriseProgressReader } from "../src/modules/direct-routing-setup/dashboard.js";
import { setupRepository } from "../src/modules/direct-routing-setup/repository.js";
import { directRoutingSetupSteps, directRoutingSetups } from "../src/modules/direct-routing-setup/schema.js";
import { enterprisesRepository } from "../src/modules/enterprises/repository.js";
import { enterprises } from "../src/modules/enterprises/schema.js";
import { connectionsRepository } from "../src/modules/microsoft/repository.js";
import { microsoftAuthorizationRequests, microsoftConnections } from "../src/modules/microsoft/schema.js";
import { teamsProfilesRepository } from "../src/modules/teams-profiles/repository.js";
import { teamsProfiles } from "../src/modules/teams-profiles/schema.js";
import { type TenantScope, tenantScope } from "../src/modules/tenancy/index.js";
import { accounts } from "../src/modules/tenancy/schema.js";
import { trunksRepository } from "../src/modules/trunks/repository.js";
import { trunkProfiles } from "../src/modules/trunks/schema.js";
import { migratedDatabase } from "./support/database.js";
import { createAccountTree } from "./support/factories.js";

/**
 * Every tenant method of the onboarding layer's repositories (enterprises, trunks, teams-profiles, microsoft
 * connections and links, direct-routing-setup)
 * and the enterprise progress reader, called with a foreign scope — a sibling enterprise, and a sibling
 * partner — on enterprise A1's data: reads find nothing, and writes leave A1's rows exactly as they were.
 */
let handle: DatabaseHandle;
let tree: Awaited<ReturnType<typeof createAccountTree>>;
let own: TenantScope;
const regionId = crypto.randomUUID();

const trunkValues = {
  label: "a1",
  fqdn: "a1.sbc.example",
  pbxHost: "pbx.a1.example",
  pbxPort: 5060,
  transport: "UDP" as const,
  sipDomain: "a1.example",
  pbxRealm: null,
  outboundProxy: null,
  mode: "registration" as const,
  allowedIps: [],
  maxConcurrentCalls: 10,
  codecs: ["PCMU"],
};
const teamsValues = {
  pbxLocations: [{ name: "HQ", pbx: "PBX 1" }],
  regionIds: [regionId],
  defaultRegionId: regionId,
  pstnUsage: "usage",
  dialPlanName: "plan",
  normalizationRules: [],
};

beforeAll(async () => {
  handle = await migratedDatabase();
  const { db } = handle;
  tree = await createAccountTree(db);
  own = tenantScope(tree.enterprise);
  const partner = tenantScope(tree.partner);
  const profile = await enterprisesRepository(db).insert(partner, tree.enterprise.id, {
    adminName: "Ada",
    adminEmail: "ada@a1.example",
    regionIds: [regionId],
    services: ["teams-direct-routing"],
    userLimit: 10,
    billingReference: "A1",
  });
  expect(profile?.accountId).toBe(tree.enterprise.id);
  expect(await trunksRepository(db).save(partner, tree.enterprise.id, trunkValues)).toBeDefined();
  expect(await teamsProfilesRepository(db).save(partner, tree.enterprise.id, teamsValues)).toBeDefined();
  await db.insert(microsoftConnections).values({
    enterpriseAccountId: tree.enterprise.id,
    tenantId: crypto.randomUUID(),
    tenantDomain: "a1.onmicrosoft.example",
    adminUpn: "admin@a1.example",
    adminObjectId: "admin-object",
    status: "connected",
  });
  const link = { tokenHash: "a1-link", enterpriseAccountId: tree.enterprise.id, email: "ada@a1.example" };
  expect(
    await connectionsRepository(db).replaceAuthorizationRequest(partner, {
      ...link,
      expiresAt: new Date(Date.now() + 3_600_000),
    }),
  ).toBe(true);
  await setupRepository(db).run.ensureRows(tree.enterprise.id, crypto.randomUUID(), ["domain", "dns"]);
  await setupRepository(db).run.setStep(tree.enterprise.id, "domain", { status: "done" });
  await setupRepository(db).run.setSetup(tree.enterprise.id, { status: "failed", lastError: "boom" });
});
afterAll(async () => handle?.close());

/** Every onboarding row of enterprise A1, to compare before and after the foreign calls. */
async function snapshotOfA1() {
  const { db } = handle;
  const id = tree.enterprise.id;
  return {
    account: await db.select().from(accounts).where(eq(accounts.id, id)),
    enterprise: await db.select().from(enterprises).where(eq(enterprises.accountId, id)),
    trunk: await db.select().from(trunkProfiles).where(eq(trunkProfiles.enterpriseAccountId, id)),
    teams: await db.select().from(teamsProfiles).where(eq(teamsProfiles.enterpriseAccountId, id)),
    connection: await db
      .select()
      .from(microsoftConnections)
      .where(eq(microsoftConnections.enterpriseAccountId, id)),
    links: await db
      .select()
      .from(microsoftAuthorizationRequests)
      .where(eq(microsoftAuthorizationRequests.enterpriseAccountId, id)),
    setup: await db.select().from(directRoutingSetups).where(eq(directRoutingSetups.enterpriseAccountId, id)),
    steps: await db
      .select()
      .from(directRoutingSetupSteps)
      .where(eq(directRoutingSetupSteps.enterpriseAccountId, id))
      .orderBy(directRoutingSetupSteps.key),
  };
}

const listQuery = { sort: "name" as const, order: "asc" as const, page: 1, pageSize: 50 };

describe("onboarding repositories with a foreign scope", () => {
  it("see enterprise A1's data with A1's own scope (so the foreign checks below are not vacuous)", async () => {
    const { db } = handle;
    const id = tree.enterprise.id;
    expect(await enterprisesRepository(db).find(own, id)).toMatchObject({ accountId: id });
    expect((await enterprisesRepository(db).list(own, listQuery)).total).toBe(1);
    expect(await trunksRepository(db).find(own, id)).toMatchObject({ fqdn: "a1.sbc.example" });
    expect((await trunksRepository(db).list(own, { page: 1, pageSize: 50 })).total).toBe(1);
    expect(await teamsProfilesRepository(db).find(own, id)).toMatchObject({ pstnUsage: "usage" });
    expect(await connectionsRepository(db).find(own, id)).toMatchObject({ status: "connected" });
    expect(await setupRepository(db).find(own, id)).toMatchObject({ status: "failed" });
    expect(await setupRepository(db).steps(own, id)).toHaveLength(2);
    expect(await setupRepository(db).statuses(own, [id])).toEqual([
      { enterpriseAccountId: id, status: "failed" },
    ]);
    expect((await enterpriseProgressReader(db)(own, [id])).get(id)).toMatchObject({
      trunkFqdn: "a1.sbc.example",
      setupStatus: "failed",
    });
  });

  it.each([
    ["a sibling enterprise", "siblingEnterprise"],
    ["a sibling partner", "sibling"],
  ] as const)(
    "%s: every read finds nothing and every write changes nothing of A1",
    async (_name, account) => {
      const { db } = handle;
      const foreign = tenantScope(tree[account]);
      const id = tree.enterprise.id;
      const before = await snapshotOfA1();

      const enterpriseRows = enterprisesRepository(db);
      expect(await enterpriseRows.find(foreign, id)).toBeUndefined();
      for (const search of [undefined, "Enterprise A1", "ada@a1.example"])
        expect(await enterpriseRows.list(foreign, { ...listQuery, search })).toEqual({ total: 0, rows: [] });
      expect(
        await enterpriseRows.insert(foreign, id, {
          adminName: "Intruder",
          adminEmail: "x@example",
          regionIds: [],
          services: [],
          userLimit: 1,
          billingReference: null,
        }),
      ).toBeUndefined();
      expect(
        await enterpriseRows.update(foreign, id, { userLimit: 99, lifecycle: "deleting" }),
      ).toBeUndefined();
      expect(
        await enterpriseRows.updateAccount(foreign, id, { name: "Renamed", status: "suspended" }),
      ).toBeUndefined();
      expect(await enterpriseRows.deleteAccount(foreign, id)).toBeUndefined();

      const trunks = trunksRepository(db);
      expect(await trunks.find(foreign, id)).toBeUndefined();
      for (const search of [undefined, "a1"])
        expect(await trunks.list(foreign, { search, page: 1, pageSize: 50 })).toEqual({ total: 0, rows: [] });
      expect(await trunks.save(foreign, id, { ...trunkValues, pbxHost: "intruder.example" })).toBeUndefined();

      const teams = teamsProfilesRepository(db);
      expect(await teams.find(foreign, id)).toBeUndefined();
      expect(await teams.save(foreign, id, { ...teamsValues, pstnUsage: "intruder" })).toBeUndefined();

      const connections = connectionsRepository(db);
      expect(await connections.find(foreign, id)).toBeUndefined();
      expect(await connections.markDisconnected(foreign, id)).toBeUndefined();
      expect(
        await connections.replaceAuthorizationRequest(foreign, {
          tokenHash: "intruder-link",
          enterpriseAccountId: id,
          email: "intruder@example",
          expiresAt: new Date(Date.now() + 3_600_000),
        }),
      ).toBe(false);

      const setups = setupRepository(db);
      expect(await setups.find(foreign, id)).toBeUndefined();
      expect(await setups.steps(foreign, id)).toEqual([]);
      expect(await setups.statuses(foreign, [id])).toEqual([]);
      await setups.resetForRun(foreign, id, { recheck: true });

      expect((await enterpriseProgressReader(db)(foreign, [id])).size).toBe(0);

      expect(await snapshotOfA1()).toEqual(before);
    },
  );
});
