import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/client.js";
import { bulkImportRepository } from "../src/modules/bulk-import/repository.js";
import { bulkImportRows, bulkImports } from "../src/modules/bulk-import/schema.js";
import { numbersRepository } from "../src/modules/numbers/repository.js";
import { phoneNumbers } from "../src/modules/numbers/schema.js";
import { pbxDirectoryRepository } from "../src/modules/pbx-directory/repository.js";
import { pbxDirectoryEntries, pbxDirectorySources } from "../src/modules/pbx-directory/schema.js";
import { teamsProfiles } from "../src/modules/teams-profiles/schema.js";
import { enterprisesWithTeamsProfile } from "../src/modules/teams-profiles/service.js";
import { teamsUsersRepository } from "../src/modules/teams-users/repository.js";
import {
  provisionedUsers,
  sipDevices,
  teamsUserSyncs,
  teamsUsers,
} from "../src/modules/teams-users/schema.js";
import { type TenantScope, tenantScope } from "../src/modules/tenancy/index.js";
import { migratedDatabase } from "./support/database.js";
import { createAccountTree } from "./support/factories.js";

/**
 * Every repository method of the provisioning layer (numbers, teams-users, bulk-import, pbx-directory),
 * called with a foreign scope — a sibling enterprise, and a sibling partner — on enterprise A1's data:
 * reads find nothing, and writes leave A1's rows exactly as they were.
 */
let handle: DatabaseHandle;
let tree: Awaited<ReturnType<typeof createAccountTree>>;
let own: TenantScope;
let partner: TenantScope;

const held = "+14255550100";
const allocated = "+14255550101";
const ids = { user: "", device: "", import: "" };
const upn = "ada@contoso.example";

beforeAll(async () => {
  handle = await migratedDatabase();
  const { db } = handle;
  tree = await createAccountTree(db);
  own = tenantScope(tree.enterprise);
  partner = tenantScope(tree.partner);

  const numbers = numbersRepository(db);
  await numbers.insertHeld(partner, [held, allocated]);
  expect(await numbers.allocate(partner, tree.enterprise.id, [allocated])).toEqual([allocated]);

  await db.insert(teamsUsers).values({
    enterpriseAccountId: tree.enterprise.id,
    objectId: "object-ada",
    userPrincipalName: upn,
    displayName: "Ada",
    eligible: true,
  });
  await db.insert(teamsUserSyncs).values({ enterpriseAccountId: tree.enterprise.id, status: "completed" });
  const regionId = crypto.randomUUID();
  await db.insert(teamsProfiles).values({
    enterpriseAccountId: tree.enterprise.id,
    pbxLocations: [{ name: "HQ", pbx: "PBX 1" } as never],
    regionIds: [regionId],
    defaultRegionId: regionId,
    pstnUsage: "usage",
    dialPlanName: "plan",
    normalizationRules: [],
  });
  const repository = teamsUsersRepository(db);
  const user = await repository.users.insert(own, {
    teamsUserObjectId: "object-ada",
    userPrincipalName: upn,
    displayName: "Ada",
    pbxLocation: "HQ",
    regionId,
    sipUser: "201",
    phoneNumber: allocated,
    status: "failed",
  });
  ids.user = user.id;
  ids.device = crypto.randomUUID();
  await repository.devices.insert(own, {
    id: ids.device,
    provisionedUserId: ids.user,
    authId: "ada-desk",
    passwordSealed: "sealed",
  });

  const directory = pbxDirectoryRepository(db);
  await directory.replaceAll(own, [{ extension: "201", name: "Ada", defaultCallerId: allocated }], "upload");
  await directory.saveSource(own, { baseUrl: "https://pbx.example/", bearerTokenSealed: null });

  const imports = bulkImportRepository(db);
  const created = await imports.create(own, { fileName: "users.csv", createdByUserId: null });
  ids.import = created.id;
  const row = (rowNumber: number) => ({
    rowNumber,
    data: {
      upn,
      sipUser: `20${rowNumber}`,
      phoneNumber: `+1425555020${rowNumber}`,
      route: regionId,
      pbxLocation: "HQ",
      disableVoicemail: true,
      assignDialPlan: true,
      devices: [],
    },
    errors: [],
  });
  await imports.stageRows(own, ids.import, [row(2), row(3)]);
  await db.update(bulkImports).set({ status: "applying" }).where(eq(bulkImports.id, ids.import));
});
afterAll(async () => handle?.close());

/** Every row of enterprise A1's provisioning data, to compare before and after the foreign calls. */
async function snapshotOfA1() {
  const { db } = handle;
  const enterpriseId = tree.enterprise.id;
  return {
    numbers: await db
      .select()
      .from(phoneNumbers)
      .where(inArray(phoneNumbers.number, [held, allocated]))
      .orderBy(phoneNumbers.number),
    teamsUsers: await db.select().from(teamsUsers).where(eq(teamsUsers.enterpriseAccountId, enterpriseId)),
    syncs: await db.select().from(teamsUserSyncs).where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseId)),
    users: await db
      .select()
      .from(provisionedUsers)
      .where(eq(provisionedUsers.enterpriseAccountId, enterpriseId)),
    devices: await db.select().from(sipDevices).where(eq(sipDevices.provisionedUserId, ids.user)),
    directory: await db
      .select()
      .from(pbxDirectoryEntries)
      .where(eq(pbxDirectoryEntries.enterpriseAccountId, enterpriseId)),
    source: await db
      .select()
      .from(pbxDirectorySources)
      .where(eq(pbxDirectorySources.enterpriseAccountId, enterpriseId)),
    imports: await db.select().from(bulkImports).where(eq(bulkImports.enterpriseAccountId, enterpriseId)),
    importRows: await db
      .select()
      .from(bulkImportRows)
      .where(eq(bulkImportRows.importId, ids.import))
      .orderBy(bulkImportRows.rowNumber),
  };
}

describe("provisioning repositories with a foreign scope", () => {
  it("see enterprise A1's data with A1's own scope (so the foreign checks below are not vacuous)", async () => {
    const { db } = handle;
    const repository = teamsUsersRepository(db);
    expect(await numbersRepository(db).findAllocated(own, allocated)).toMatchObject({ number: allocated });
    expect((await repository.directory.usersPage(own, { filter: "all", page: 1, pageSize: 50 })).total).toBe(
      1,
    );
    expect(await repository.users.find(own, ids.user)).toMatchObject({ id: ids.user });
    expect(await repository.devices.forUser(own, ids.user)).toHaveLength(1);
    // The Add User choices read the Teams profile through teams-profiles' scoped reads.
    expect(await enterprisesWithTeamsProfile(db, own, [tree.enterprise.id])).toEqual(
      new Set([tree.enterprise.id]),
    );
    expect(await repository.users.countAttention(own)).toEqual({ pendingConsent: 0, failed: 1, cleanup: 0 });
    expect(await pbxDirectoryRepository(db).byExtension(own, "201")).toMatchObject({ name: "Ada" });
    expect(await bulkImportRepository(db).pendingRows(own, ids.import, 0, 10)).toHaveLength(2);
  });

  for (const foreignOf of [
    { name: "a sibling enterprise", scope: () => tenantScope(tree.siblingEnterprise) },
    { name: "a sibling partner", scope: () => tenantScope(tree.sibling) },
  ]) {
    it(`${foreignOf.name}: every read finds nothing and every write changes nothing of A1`, async () => {
      const { db } = handle;
      const foreign = foreignOf.scope();
      const before = await snapshotOfA1();

      const numbers = numbersRepository(db);
      expect(await numbers.insertHeld(foreign, [held, allocated])).toEqual([]);
      expect(await numbers.allocate(foreign, tree.siblingEnterprise.id, [held, allocated])).toEqual([]);
      expect(await numbers.findAllocated(foreign, allocated)).toBeUndefined();
      await numbers.markAssigned(foreign, allocated, ids.user);
      await numbers.release(foreign, allocated, new Date(Date.now() + 86_400_000));
      for (const by of ["holder", "allocation"] as const)
        expect(await numbers.list(foreign, by, { page: 1, pageSize: 50 })).toEqual({ total: 0, items: [] });
      expect(await numbers.listFree(foreign, "", 50)).toEqual([]);

      const { directory, users, devices } = teamsUsersRepository(db);
      for (const search of [undefined, "ada", "201"])
        expect(await directory.usersPage(foreign, { search, filter: "all", page: 1, pageSize: 50 })).toEqual({
          total: 0,
          totalIsEstimate: false,
          rows: [],
        });
      expect(await directory.searchEligible(foreign, "", 20)).toEqual([]);
      expect(await directory.syncState(foreign)).toBeNull();

      await db.transaction(async (tx) => users.lockUsers(foreign, tx));
      expect(await users.findTeamsUser(foreign, { objectId: "object-ada" })).toBeUndefined();
      expect(await users.findTeamsUser(foreign, { upn })).toBeUndefined();
      expect(await users.find(foreign, ids.user)).toBeUndefined();
      expect(await users.findByTeamsUser(foreign, "object-ada")).toBeUndefined();
      expect(await users.findBySipUser(foreign, "HQ", "201", undefined)).toBeUndefined();
      expect(await users.findByNumber(foreign, allocated, undefined)).toBeUndefined();
      expect(
        await users.update(foreign, ids.user, { sipUser: "999", callingEnabled: false }),
      ).toBeUndefined();
      await users.delete(foreign, ids.user);
      expect(
        await users.findExactly(foreign, { upn, pbxLocation: "HQ", sipUser: "201", phoneNumber: allocated }),
      ).toBeUndefined();
      expect(await users.teamsUsersByUpn(foreign, [upn])).toEqual([]);
      expect(await users.sipUsersTaken(foreign, ["201"])).toEqual([]);
      expect(await enterprisesWithTeamsProfile(db, foreign, [tree.enterprise.id])).toEqual(new Set());
      expect(await users.countCallingEnabled(foreign)).toBe(0);
      expect(await users.countAttention(foreign)).toEqual({ pendingConsent: 0, failed: 0, cleanup: 0 });
      // Writes of new rows belong to the scope's own account, never to A1.
      const pending = await users.upsertPendingTeamsUser(foreign, upn);
      expect(pending?.enterpriseAccountId).toBe(foreign.accountId);
      await db
        .delete(teamsUsers)
        .where(
          and(
            eq(teamsUsers.enterpriseAccountId, foreign.accountId),
            eq(teamsUsers.objectId, pending!.objectId),
          ),
        );

      expect(await devices.forUser(foreign, ids.user)).toEqual([]);
      expect(await devices.find(foreign, ids.user, ids.device)).toBeUndefined();
      expect(await devices.findByAuthId(foreign, "ada-desk")).toBeUndefined();
      expect(await devices.authIdsTaken(foreign, ["ada-desk"])).toEqual([]);
      await devices.insert(foreign, {
        id: crypto.randomUUID(),
        provisionedUserId: ids.user,
        authId: "intruder",
        passwordSealed: "x",
      });
      await devices.update(foreign, ids.device, { authId: "changed", passwordSealed: "changed" });
      await devices.delete(foreign, ids.device);

      const pbx = pbxDirectoryRepository(db);
      expect(await pbx.search(foreign, "", { limit: 50 })).toEqual([]);
      expect(await pbx.byExtension(foreign, "201")).toBeUndefined();
      expect(await pbx.source(foreign)).toBeUndefined();
      await pbx.recordSync(foreign, { error: "foreign" });
      await pbx.removeSource(foreign);
      await pbx.replaceAll(foreign, [], "upload");

      const imports = bulkImportRepository(db);
      expect(await imports.find(foreign, ids.import)).toBeUndefined();
      await imports.markFailed(foreign, ids.import, "foreign");
      await imports.stageRows(foreign, ids.import, [{ rowNumber: 9, data: null, errors: [] }]);
      await imports.markFileDuplicates(foreign, ids.import, {
        field: "teams_upn",
        label: "Teams user",
        key: (data) => `lower(${data}->>'upn')`,
      });
      await imports.countRows(foreign, ids.import);
      expect(
        await imports.listRows(foreign, ids.import, { errorsOnly: false, page: 1, pageSize: 50 }),
      ).toEqual([]);
      expect(await imports.pendingRows(foreign, ids.import, 0, 100)).toEqual([]);
      expect(await imports.claimRows(foreign, ids.import, [2, 3])).toEqual([]);
      await imports.recordOutcome(foreign, ids.import, 2, "created");
      expect(await imports.complete(foreign, ids.import)).toBe(false);
      expect(await imports.confirm(foreign, ids.import)).toBe(false);
      expect(await imports.touchIfUnchanged(foreign, ids.import, before.imports[0]!.updatedAt)).toBe(false);
      await imports.delete(foreign, ids.import);

      expect(await snapshotOfA1()).toEqual(before);
    });
  }

  it("A1's own scope does change what the foreign scopes could not (the writes above were real statements)", async () => {
    const { db } = handle;
    const imports = bulkImportRepository(db);
    await imports.markFileDuplicates(own, ids.import, {
      field: "teams_upn",
      label: "Teams user",
      key: (data) => `lower(${data}->>'upn')`,
    });
    const rows = await imports.listRows(own, ids.import, { errorsOnly: true, page: 1, pageSize: 50 });
    expect(rows.map((r) => r.errors)).toEqual([
      [{ field: "teams_upn", message: "Teams user appears more than once in the file (rows 2, 3)." }],
      [{ field: "teams_upn", message: "Teams user appears more than once in the file (rows 2, 3)." }],
    ]);
    const { users, devices } = teamsUsersRepository(db);
    expect(await users.update(own, ids.user, { sipUser: "202" })).toMatchObject({ sipUser: "202" });
    await devices.delete(own, ids.device);
    expect(await devices.forUser(own, ids.user)).toEqual([]);
  });
});
