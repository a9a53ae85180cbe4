import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/client.js";
import { enterprises } from "../src/modules/enterprises/schema.js";
import { changedEnterpriseIds, sbcRepository } from "../src/modules/sbc/repository.js";
import { provisionedUsers, sipDevices } from "../src/modules/teams-users/schema.js";
import { accounts, type TenantScope, tenantScope } from "../src/modules/tenancy/index.js";
import { trunkProfiles } from "../src/modules/trunks/schema.js";
import { migratedDatabase } from "./support/database.js";
import { createAccountTree } from "./support/factories.js";
import { seedAcmeTrunkAndDevice } from "./support/sbc-seed.js";
import { waitFor } from "./support/wait-for.js";

/**
 * The sbc module reads trunks', enterprises' and teams-users' rows through those modules' public reads,
 * never their tables; and what it reads still drives the fingerprint (every input changes it) and the
 * change feed (every owning table's change names the enterprise).
 */
const sbcSource = fileURLToPath(new URL("../src/modules/sbc/", import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(full);
      return Promise.resolve(entry.name.endsWith(".ts") ? [full] : []);
    }),
  );
  return nested.flat();
}

describe("sbc module surface", () => {
  it("names none of trunks', enterprises' or teams-users' tables in its source", async () => {
    const foreignTables = /\b(trunk_profiles|enterprises|provisioned_users|sip_devices)\b/;
    const offenders: string[] = [];
    for (const file of await sourceFiles(sbcSource)) {
      const code = (await readFile(file, "utf8"))
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "")
        .replace(/from "[^"]*"/g, "");
      if (foreignTables.test(code)) offenders.push(path.relative(sbcSource, file));
    }
    expect(offenders).toEqual([]);
  });
});

let handle: DatabaseHandle;
let tree: Awaited<ReturnType<typeof createAccountTree>>;
let own: TenantScope;
let deviceId: string;

beforeAll(async () => {
  handle = await migratedDatabase();
  const { db } = handle;
  tree = await createAccountTree(db);
  own = tenantScope(tree.enterprise);
  await db.insert(enterprises).values({
    accountId: tree.enterprise.id,
    adminName: "Casey",
    adminEmail: "casey@example.test",
    regionIds: [],
    services: ["teams-direct-routing"],
    userLimit: 10,
  });
  ({ deviceId } = await seedAcmeTrunkAndDevice(db, own, { pbxRealm: null, passwordSealed: "s1" }));
});
afterAll(async () => handle?.close());

/** Waits until the clock has moved past `ms`, so timestamps taken after it are strictly later. */
async function clockPast(ms: number): Promise<void> {
  await waitFor("the clock to advance", async () => Date.now() > ms);
}

describe("sbc reads through the owning modules", () => {
  it("reads the trunk with its account status and lifecycle, and the devices of users not being deleted", async () => {
    const repository = sbcRepository(handle.db);
    expect(await repository.trunk(own, tree.enterprise.id)).toEqual({
      fqdn: "acme.sbc.example",
      pbxHost: "pbx.acme.example",
      pbxPort: 5060,
      transport: "UDP",
      sipDomain: "pbx.acme.example",
      pbxRealm: null,
      outboundProxy: null,
      mode: "registration",
      allowedIps: [],
      maxConcurrentCalls: 10,
      transferMode: "teams",
      codecs: ["PCMU"],
      status: "active",
      accountStatus: "active",
      lifecycle: "active",
    });
    expect(await repository.devices(own, tree.enterprise.id)).toEqual([
      {
        id: deviceId,
        authId: "ada-desk",
        passwordSealed: "s1",
        revision: expect.stringMatching(/^[0-9a-f]{32}$/),
        sipUser: "201",
        number: "+14255550101",
        callingEnabled: true,
      },
    ]);
  });

  it("changes the fingerprint with every input it is derived from", async () => {
    const { db } = handle;
    const repository = sbcRepository(db);
    const account = eq(accounts.id, tree.enterprise.id);
    const changes: [string, () => Promise<unknown>][] = [
      ["trunk pbx port", () => db.update(trunkProfiles).set({ pbxPort: 5070 })],
      ["trunk realm", () => db.update(trunkProfiles).set({ pbxRealm: "asterisk" })],
      ["trunk codecs", () => db.update(trunkProfiles).set({ codecs: ["PCMU", "OPUS"] })],
      ["trunk transfer mode", () => db.update(trunkProfiles).set({ transferMode: "route" })],
      ["trunk status", () => db.update(trunkProfiles).set({ status: "disabled" })],
      ["account status", () => db.update(accounts).set({ status: "suspended" }).where(account)],
      ["lifecycle", () => db.update(enterprises).set({ lifecycle: "deleting" })],
      ["device password", () => db.update(sipDevices).set({ passwordSealed: "s2" })],
      ["device auth id", () => db.update(sipDevices).set({ authId: "ada-phone" })],
      ["number", () => db.update(provisionedUsers).set({ phoneNumber: "+14255550102" })],
      ["calling enabled", () => db.update(provisionedUsers).set({ callingEnabled: false })],
      ["sip user", () => db.update(provisionedUsers).set({ sipUser: "202" })],
      ["user deleting", () => db.update(provisionedUsers).set({ deleting: true })],
    ];
    let before = await repository.fingerprint(own, tree.enterprise.id);
    for (const [name, change] of changes) {
      await change();
      const after = await repository.fingerprint(own, tree.enterprise.id);
      expect(after, name).not.toBe(before);
      before = after;
    }
    expect(await repository.devices(own, tree.enterprise.id)).toEqual([]);
  });

  it("names the enterprise in the change feed after a change to each owning table", async () => {
    const { db } = handle;
    const id = tree.enterprise.id;
    const changes: [string, () => Promise<unknown>][] = [
      ["trunk profile", () => db.update(trunkProfiles).set({ updatedAt: new Date() })],
      ["enterprise", () => db.update(enterprises).set({ updatedAt: new Date() })],
      ["account", () => db.update(accounts).set({ updatedAt: new Date() }).where(eq(accounts.id, id))],
      ["provisioned user", () => db.update(provisionedUsers).set({ updatedAt: new Date() })],
      ["sip device", () => db.update(sipDevices).set({ updatedAt: new Date() })],
      ["deleted device", () => db.delete(sipDevices)],
    ];
    expect(await changedEnterpriseIds(db, null)).toContain(id);
    for (const [name, change] of changes) {
      // A `since` strictly after the previous change and strictly before this one.
      await clockPast(Date.now());
      const since = new Date();
      await clockPast(since.getTime());
      expect(await changedEnterpriseIds(db, since), name).not.toContain(id);
      await change();
      expect(await changedEnterpriseIds(db, since), name).toContain(id);
    }
  });
});
