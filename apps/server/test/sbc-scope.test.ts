import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { sbcRepository } from "../src/modules/sbc/repository.js";
import { teamsUsersRepository } from "../src/modules/teams-users/repository.js";
import { teamsUsers } from "../src/modules/teams-users/schema.js";
import { type TenantScope, tenantScope } from "../src/modules/tenancy/index.js";
import { trunkProfiles } from "../src/modules/trunks/schema.js";
import { freshDatabaseUrl } from "./support/database.js";
import { createAccountTree } from "./support/factories.js";

/**
 * Every method of the sbc module's repository, called for enterprise A1 with a foreign scope — a sibling
 * enterprise, and a sibling partner — finds nothing of A1 (no trunk, no device, the fingerprint of
 * nothing); A1's own scope and its partner's scope ("this account and below") see them.
 */
let handle: DatabaseHandle;
let tree: Awaited<ReturnType<typeof createAccountTree>>;
let own: TenantScope;
let parent: TenantScope;
let foreign: Record<string, TenantScope>;

beforeAll(async () => {
  handle = connectDatabase(await freshDatabaseUrl(), 2);
  await runMigrations(handle);
  const { db } = handle;
  tree = await createAccountTree(db);
  own = tenantScope(tree.enterprise);
  parent = tenantScope(tree.partner);
  foreign = {
    "sibling enterprise": tenantScope(tree.siblingEnterprise),
    "sibling partner": tenantScope(tree.sibling),
  };

  await db.insert(trunkProfiles).values({
    enterpriseAccountId: tree.enterprise.id,
    label: "acme",
    fqdn: "acme.sbc.example",
    pbxHost: "pbx.acme.example",
    pbxPort: 5060,
    transport: "UDP",
    sipDomain: "pbx.acme.example",
    pbxRealm: "asterisk",
    outboundProxy: null,
    mode: "registration",
    allowedIps: [],
    maxConcurrentCalls: 10,
    codecs: ["PCMU"],
    status: "active",
  });
  await db.insert(teamsUsers).values({
    enterpriseAccountId: tree.enterprise.id,
    objectId: "object-ada",
    userPrincipalName: "ada@contoso.example",
    displayName: "Ada",
    eligible: true,
  });
  const users = teamsUsersRepository(db);
  const user = await users.users.insert(own, {
    teamsUserObjectId: "object-ada",
    userPrincipalName: "ada@contoso.example",
    displayName: "Ada",
    pbxLocation: "HQ",
    regionId: crypto.randomUUID(),
    sipUser: "201",
    phoneNumber: "+14255550101",
    status: "done",
  });
  await users.devices.insert(own, {
    id: crypto.randomUUID(),
    provisionedUserId: user.id,
    authId: "ada-desk",
    passwordSealed: "sealed",
  });
});
afterAll(async () => handle?.close());

describe("sbc repository", () => {
  it("reads enterprise A1 within its own scope and its partner's", async () => {
    const repository = sbcRepository(handle.db);
    for (const scope of [own, parent]) {
      expect(await repository.trunk(scope, tree.enterprise.id)).toMatchObject({
        fqdn: "acme.sbc.example",
        pbxPort: 5060,
        pbxRealm: "asterisk",
        allowedIps: [],
        accountStatus: "active",
      });
      expect(await repository.devices(scope, tree.enterprise.id)).toEqual([
        expect.objectContaining({ authId: "ada-desk", sipUser: "201", number: "+14255550101" }),
      ]);
    }
    expect(await repository.fingerprint(parent, tree.enterprise.id)).toBe(
      await repository.fingerprint(own, tree.enterprise.id),
    );
  });

  it("finds nothing of enterprise A1 with a foreign scope", async () => {
    const repository = sbcRepository(handle.db);
    const ownPrint = await repository.fingerprint(own, tree.enterprise.id);
    const nothing = await repository.fingerprint(own, crypto.randomUUID());
    expect(ownPrint).not.toBe(nothing);
    for (const [name, scope] of Object.entries(foreign)) {
      expect(await repository.trunk(scope, tree.enterprise.id), name).toBeUndefined();
      expect(await repository.devices(scope, tree.enterprise.id), name).toEqual([]);
      expect(await repository.fingerprint(scope, tree.enterprise.id), name).toBe(nothing);
    }
  });
});
