import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/client.js";
import { sbcRepository } from "../src/modules/sbc/repository.js";
import { type TenantScope, tenantScope } from "../src/modules/tenancy/index.js";
import { migratedDatabase } from "./support/database.js";
import { createAccountTree } from "./support/factories.js";
import { seedAcmeTrunkAndDevice } from "./support/sbc-seed.js";

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
  handle = await migratedDatabase();
  const { db } = handle;
  tree = await createAccountTree(db);
  own = tenantScope(tree.enterprise);
  parent = tenantScope(tree.partner);
  foreign = {
    "sibling enterprise": tenantScope(tree.siblingEnterprise),
    "sibling partner": tenantScope(tree.sibling),
  };

  await seedAcmeTrunkAndDevice(db, own, { pbxRealm: "asterisk", passwordSealed: "sealed" });
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
