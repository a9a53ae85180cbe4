import { createHash, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sbcDatabaseUrl } from "../src/modules/sbc/runtime.js";
import { syncEnterprise } from "../src/modules/sbc/service.js";
import { provisionedUsers, sipDevices } from "../src/modules/teams-users/schema.js";
import { deviceAd, generateDevicePassword } from "../src/modules/teams-users/service.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { configureOperator, onboardEnterprise } from "./support/onboarding.js";
import { asKamailioRole, KAMAILIO_DB_PASSWORD } from "./support/sbc.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { trunkProfileBody } from "./support/trunk-profile.js";

/**
 * Issue 17 item 6: the SBC database (Kamailio's) holds digest HA1 values, never a SIP device password,
 * and Kamailio reads it with its own role, which can read its tables and nothing else.
 */

const DEVICES = 67;
const md5 = (text: string) => createHash("md5").update(text).digest("hex");

describe("SBC database: HA1 instead of SIP passwords, and Kamailio's read-only role", () => {
  let t: TestApp;
  let partnerUser: SignedInUser;
  let enterpriseId: string;
  let sbcUrl: string;
  const devices: { authId: string; password: string }[] = [];

  const trunkPayload = trunkProfileBody;

  const putTrunk = (change: Record<string, unknown> = {}) =>
    t.app.inject({
      method: "PUT",
      url: `/api/accounts/${enterpriseId}/trunk-profile`,
      headers: partnerUser.headers,
      payload: trunkPayload(change),
    });

  const getTrunk = async () =>
    (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/trunk-profile`,
        headers: partnerUser.headers,
      })
    ).json().profile as { pbxRealm: string | null; sipDomain: string };

  async function sync() {
    const adapter = await t.deps.sbc.get();
    await syncEnterprise(t.deps, adapter, enterpriseId);
  }

  /** Every row of every table in the SBC database, as text (what a dump or a stolen backup shows). */
  async function dumpSbcDatabase(): Promise<string> {
    const client = new pg.Client({ connectionString: sbcUrl });
    await client.connect();
    try {
      const tables = await client.query<{ name: string }>(
        "select quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
      );
      expect(tables.rows.map((r) => r.name)).toContain("uacreg");
      const parts: string[] = [];
      for (const { name } of tables.rows) {
        const rows = await client.query(`select * from ${name}`);
        parts.push(`${name}: ${JSON.stringify(rows.rows)}`);
      }
      return parts.join("\n");
    } finally {
      await client.end();
    }
  }

  async function uacregRows() {
    const client = new pg.Client({ connectionString: sbcUrl });
    await client.connect();
    try {
      return (
        await client.query<{ auth_username: string; auth_password: string; auth_ha1: string; realm: string }>(
          "select auth_username, auth_password, auth_ha1, realm from uacreg order by auth_username",
        )
      ).rows;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    t = await startTestApp({ KAMAILIO_DB_PASSWORD }, { workers: false });
    const tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerUser = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const regions = await configureOperator(t, tree.operator, operatorAdmin, "manual");
    enterpriseId = await onboardEnterprise(t, tree.partner, partnerUser, regions, "acme");
    sbcUrl = await sbcDatabaseUrl(t.deps.config, t.deps.db);

    for (let i = 0; i < DEVICES; i++) {
      const userId = randomUUID();
      const deviceId = randomUUID();
      const device = { authId: `acme${1000 + i}`, password: generateDevicePassword() };
      devices.push(device);
      await t.deps.db.insert(provisionedUsers).values({
        id: userId,
        enterpriseAccountId: enterpriseId,
        teamsUserObjectId: randomUUID(),
        userPrincipalName: `u${i}@customer.example`,
        pbxLocation: "Head office",
        regionId: randomUUID(),
        sipUser: String(1000 + i),
        phoneNumber: `+1555123${String(1000 + i)}`,
        status: "done",
      });
      await t.deps.db.insert(sipDevices).values({
        id: deviceId,
        provisionedUserId: userId,
        enterpriseAccountId: enterpriseId,
        authId: device.authId,
        passwordSealed: t.deps.secrets.seal(device.password, deviceAd(deviceId)),
      });
    }
  });
  afterAll(() => t?.stop());

  it("the trunk profile's SIP realm is optional (the SIP domain then), validated per field, and saved", async () => {
    expect((await getTrunk()).pbxRealm).toBeNull();

    for (const bad of ['pbx "main"', "two words", "x".repeat(65), "back\\slash"]) {
      const refused = await putTrunk({ pbxRealm: bad });
      expect(refused.statusCode, bad).toBe(400);
      expect(refused.headers["content-type"]).toContain("application/problem+json");
      expect(refused.json().errors).toEqual([
        { field: "pbxRealm", message: expect.stringMatching(/realm/i) },
      ]);
    }
    expect((await getTrunk()).pbxRealm).toBeNull();

    expect((await putTrunk({ pbxRealm: " asterisk " })).json().pbxRealm).toBe("asterisk");
    expect((await getTrunk()).pbxRealm).toBe("asterisk");
    // Case matters in a digest realm: it is kept as typed.
    expect((await putTrunk({ pbxRealm: "3CXPhoneSystem" })).json().pbxRealm).toBe("3CXPhoneSystem");
    expect((await putTrunk({ pbxRealm: "" })).json().pbxRealm).toBeNull();
    expect((await putTrunk({ pbxRealm: "asterisk" })).statusCode).toBe(200);
  });

  it(`${DEVICES} devices: the SBC tables hold HA1 = MD5(auth id:realm:password) and no password, in any table`, async () => {
    await sync();
    const rows = await uacregRows();
    expect(rows).toHaveLength(DEVICES);
    for (const [i, row] of rows.entries()) {
      const device = devices[i]!;
      expect(row).toEqual({
        auth_username: device.authId,
        auth_password: "",
        auth_ha1: md5(`${device.authId}:asterisk:${device.password}`),
        realm: "asterisk",
      });
    }
    const dump = await dumpSbcDatabase();
    const inClear = devices.filter((d) => dump.includes(d.password));
    expect(inClear.map((d) => d.authId)).toEqual([]);
  });

  it("without a SIP realm, HA1 is computed for the SIP domain; a realm change rewrites every device", async () => {
    expect((await putTrunk({ pbxRealm: null })).statusCode).toBe(200);
    await sync();
    const rows = await uacregRows();
    expect(rows).toHaveLength(DEVICES);
    for (const [i, row] of rows.entries()) {
      const device = devices[i]!;
      expect(row.realm).toBe("customer.example");
      expect(row.auth_password).toBe("");
      expect(row.auth_ha1).toBe(md5(`${device.authId}:customer.example:${device.password}`));
    }
    const dump = await dumpSbcDatabase();
    expect(devices.filter((d) => dump.includes(d.password)).map((d) => d.authId)).toEqual([]);
  });

  it("Kamailio's role reads Kamailio's tables only: no writes, no bookkeeping, nothing of the portal", async () => {
    const denied = async (client: pg.Client, sql: string) => {
      const error = await client.query(sql).then(
        () => null,
        (e: { code?: string; message: string }) => e,
      );
      expect(error?.code, sql).toBe("42501");
      expect(error?.message).toMatch(/permission denied/);
    };

    const sbc = new pg.Client({ connectionString: asKamailioRole(sbcUrl) });
    await sbc.connect();
    try {
      for (const table of ["version", "domain", "domain_attrs", "dispatcher", "address", "trusted", "htable"])
        await sbc.query(`select * from ${table} limit 1`);
      const count = await sbc.query<{ n: number }>("select count(*)::int as n from uacreg");
      expect(count.rows[0]!.n).toBe(DEVICES);

      await denied(sbc, "insert into uacreg (l_uuid) values ('intruder')");
      await denied(sbc, "update htable set key_value = 'x'");
      await denied(sbc, "delete from dispatcher");
      await denied(sbc, "select * from sip2teams_sbc_state");
      await denied(sbc, "select * from sip2teams_sbc_pending");
      await denied(sbc, "create table kamailio_was_here (id int)");
    } finally {
      await sbc.end();
    }

    const portal = new pg.Client({ connectionString: asKamailioRole(t.deps.config.DATABASE_URL!) });
    await portal.connect();
    try {
      await denied(portal, "select * from sip_devices");
      await denied(portal, "select * from portal_users");
      await denied(portal, "select * from trunk_profiles");
    } finally {
      await portal.end();
    }
  });
});
