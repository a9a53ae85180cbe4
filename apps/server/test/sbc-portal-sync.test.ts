import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sbcDatabaseUrl } from "../src/modules/sbc/runtime.js";
import { syncEnterprise } from "../src/modules/sbc/service.js";
import { checkTrunkStates, recordTrunkState, trunkStateOf } from "../src/modules/sbc/trunk-state.js";
import { changedEnterprises } from "../src/modules/sbc/watch.js";
import { provisionedUsers, sipDevices } from "../src/modules/teams-users/schema.js";
import { deviceAd, generateDevicePassword } from "../src/modules/teams-users/service.js";
import { webhookEvents } from "../src/modules/webhooks/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { configureOperator, onboardEnterprise } from "./support/onboarding.js";
import { KAMAILIO_DB_PASSWORD } from "./support/sbc.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { trunkProfileBody } from "./support/trunk-profile.js";

/**
 * Issue 11, portal side: the trunk profile's transfer mode and max concurrent calls reach the SBC database
 * as the keys the Kamailio configuration reads (ent:<id>:refer, ent:<id>:maxcalls), and a user deleted
 * from the portal's tables is seen by the SBC change watch at its next tick (a hard delete leaves no
 * timestamp behind; before, only the 5-minute full resync removed it).
 */
describe("SBC sync of the portal side: transfers per trunk, hard deletes", () => {
  let t: TestApp;
  let partnerUser: SignedInUser;
  let enterpriseId: string;
  let sbcUrl: string;

  const putTrunk = (change: Record<string, unknown> = {}) =>
    t.app.inject({
      method: "PUT",
      url: `/api/accounts/${enterpriseId}/trunk-profile`,
      headers: partnerUser.headers,
      payload: trunkProfileBody(change),
    });

  async function sbcQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
    const client = new pg.Client({ connectionString: sbcUrl });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  const htable = async (key: string) =>
    (await sbcQuery<{ key_value: string }>("select key_value from htable where key_name = $1", [key]))[0]
      ?.key_value;

  const sync = async () => syncEnterprise(t.deps, await t.deps.sbc.get(), enterpriseId);

  beforeAll(async () => {
    t = await startTestApp({ KAMAILIO_DB_PASSWORD }, { workers: false });
    const tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerUser = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const regions = await configureOperator(t, tree.operator, operatorAdmin, "manual");
    enterpriseId = await onboardEnterprise(t, tree.partner, partnerUser, regions, "acme");
    sbcUrl = await sbcDatabaseUrl(t.deps.config, t.deps.db);
  });
  afterAll(() => t?.stop());

  it("transfers: 'teams' by default (REFER stripped), 'route' on request; validated per field; synced to ent:<id>:refer", async () => {
    const saved = await putTrunk();
    expect(saved.statusCode).toBe(200);
    expect(saved.json().transferMode).toBe("teams");
    await sync();
    expect(await htable(`ent:${enterpriseId}:refer`)).toBe("strip");
    expect(await htable(`ent:${enterpriseId}:maxcalls`)).toBe("20");
    // route[TRANSFER_TO_MS] knows a registration trunk's PBX by its dispatcher set.
    const pbxSet = await htable(`ent:${enterpriseId}:pbxset`);
    expect(await htable(`pbxset:${pbxSet}`)).toBe(enterpriseId);

    const refused = await putTrunk({ transferMode: "blind" });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers["content-type"]).toContain("application/problem+json");
    expect(refused.json().errors).toEqual([
      { field: "transferMode", message: expect.stringMatching(/teams.*route/) },
    ]);

    const routed = await putTrunk({ transferMode: "route", maxConcurrentCalls: 7 });
    expect(routed.statusCode).toBe(200);
    expect(routed.json().transferMode).toBe("route");
    const read = await t.app.inject({
      url: `/api/accounts/${enterpriseId}/trunk-profile`,
      headers: partnerUser.headers,
    });
    expect(read.json().profile.transferMode).toBe("route");
    await sync();
    expect(await htable(`ent:${enterpriseId}:refer`)).toBe("route");
    expect(await htable(`ent:${enterpriseId}:maxcalls`)).toBe("7");

    expect((await putTrunk({ transferMode: "teams" })).statusCode).toBe(200);
    await sync();
    expect(await htable(`ent:${enterpriseId}:refer`)).toBe("strip");
  });

  it("codecs: the trunk profile's codec choices reach ent:<id>:codecs as SDP encoding names", async () => {
    expect((await putTrunk({ codecs: ["PCMA", "OPUS", "G722"] })).statusCode).toBe(200);
    await sync();
    expect(await htable(`ent:${enterpriseId}:codecs`)).toBe("PCMA,opus,G722");
    expect((await putTrunk({ codecs: ["G729"] })).statusCode).toBe(200);
    await sync();
    expect(await htable(`ent:${enterpriseId}:codecs`)).toBe("G729");
  });

  it("a user hard-deleted in the portal is in the watch's next change feed, and its sync removes it from the SBC", async () => {
    const userId = randomUUID();
    const deviceId = randomUUID();
    await t.deps.db.insert(provisionedUsers).values({
      id: userId,
      enterpriseAccountId: enterpriseId,
      teamsUserObjectId: randomUUID(),
      userPrincipalName: "gone@customer.example",
      pbxLocation: "Head office",
      regionId: randomUUID(),
      sipUser: "2001",
      phoneNumber: "+15551232001",
      status: "done",
    });
    await t.deps.db.insert(sipDevices).values({
      id: deviceId,
      provisionedUserId: userId,
      enterpriseAccountId: enterpriseId,
      authId: "acme2001",
      passwordSealed: t.deps.secrets.seal(generateDevicePassword(), deviceAd(deviceId)),
    });
    await sync();
    expect(await sbcQuery("select l_uuid from uacreg where l_uuid = $1", [deviceId])).toHaveLength(1);
    expect(await htable("num:+15551232001:ent")).toBe(enterpriseId);

    // What the watch's previous tick saw; the delete comes after it and leaves no updated_at behind.
    const lastTick = new Date();
    await t.deps.db.delete(sipDevices).where(eq(sipDevices.provisionedUserId, userId));
    await t.deps.db.delete(provisionedUsers).where(eq(provisionedUsers.id, userId));

    expect(await changedEnterprises(t.deps, lastTick)).toContain(enterpriseId);
    await sync();
    expect(await sbcQuery("select l_uuid from uacreg where l_uuid = $1", [deviceId])).toHaveLength(0);
    expect(await htable("num:+15551232001:ent")).toBeUndefined();
    expect(await htable(`dev:${deviceId}:ent`)).toBeUndefined();
  });

  it("trunk up/down: the OPTIONS state from the adapter's status is stored, and each change emits sbc.trunk-up/down in its transaction", async () => {
    const events = async () =>
      (
        await t.deps.db
          .select({ type: webhookEvents.type, data: webhookEvents.data })
          .from(webhookEvents)
          .where(eq(webhookEvents.accountId, enterpriseId))
          .orderBy(webhookEvents.createdAt)
      ).filter((e) => e.type.startsWith("sbc."));

    // This app has no JSON-RPC to Kamailio: the adapter's status is not live, so nothing is reported.
    const adapter = await t.deps.sbc.get();
    const status = await adapter.status(enterpriseId);
    expect(status.live.reachable).toBe(false);
    expect(trunkStateOf(status)).toBeNull();
    await checkTrunkStates(t.deps, adapter);
    expect(await events()).toEqual([]);

    const live = { ...status, live: { configured: true, reachable: true, error: null } };
    const pbx = "sip:pbx.customer.example:5060;transport=udp";
    const probing = { ...live, pbx: [{ uri: pbx, state: "probing" as const }] };
    const reachable = { ...live, pbx: [{ uri: pbx, state: "reachable" as const }] };
    const unreachable = { ...live, pbx: [{ uri: pbx, state: "unreachable" as const }] };
    expect(trunkStateOf(probing)).toBeNull();

    const up = trunkStateOf(reachable)!;
    expect(up).toEqual({ state: "up", trunk: "pbx.customer.example", reason: null });
    expect(await recordTrunkState(t.deps.db, enterpriseId, up)).toBe("sbc.trunk-up");
    expect(await recordTrunkState(t.deps.db, enterpriseId, up)).toBeNull();
    expect(await recordTrunkState(t.deps.db, enterpriseId, trunkStateOf(unreachable)!)).toBe(
      "sbc.trunk-down",
    );
    expect(await recordTrunkState(t.deps.db, enterpriseId, trunkStateOf(unreachable)!)).toBeNull();
    expect(await recordTrunkState(t.deps.db, enterpriseId, up)).toBe("sbc.trunk-up");

    expect(await events()).toEqual([
      { type: "sbc.trunk-up", data: { enterpriseId, trunk: "pbx.customer.example" } },
      {
        type: "sbc.trunk-down",
        data: { enterpriseId, trunk: "pbx.customer.example", reason: "SIP OPTIONS not answered" },
      },
      { type: "sbc.trunk-up", data: { enterpriseId, trunk: "pbx.customer.example" } },
    ]);
    const stored = await t.deps.db.execute<{ state: string; trunk: string }>(
      sql`select state::text as state, trunk from sbc_trunk_states where enterprise_account_id = ${enterpriseId}`,
    );
    expect(stored.rows).toEqual([{ state: "up", trunk: "pbx.customer.example" }]);
  });
});
