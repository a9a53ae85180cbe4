import { randomUUID } from "node:crypto";
import dgram from "node:dgram";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallLog, purgeCallLogs } from "../src/modules/call-logs/index.js";
import { installKamailioSchema } from "../src/modules/sbc/kamailio/schema.js";
import { provisionedUsers } from "../src/modules/teams-users/schema.js";
import type { Account } from "../src/modules/tenancy/schema.js";
import {
  createAccount,
  createAccountTree,
  createSignedInUser,
  type SignedInUser,
} from "./support/factories.js";
import {
  asKamailioRole,
  KAMAILIO_DB_PASSWORD,
  KAMAILIO_DB_ROLE,
  type Proc,
  runProcess,
  runSipp,
  type StandaloneSbc,
  sbcScenarios,
  startStandaloneSbc,
  stopProcess,
  TEAMS_BASE_DOMAIN,
} from "./support/sbc.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

/**
 * Call logs (issue 11, scope 2): the shipped Kamailio configuration writes a CDR per call with acc into
 * the SBC database; the portal lists them per enterprise and per partner subtree and exports the same
 * rows as CSV. Kamailio (test mode), SIPp as the PBX and as Microsoft, rtpengine; the portal on the same
 * SBC database.
 */

const ALICE = { number: "+15551230001", sipUser: "1001" };
const BOB = { number: "+15551230002", sipUser: "2001" };

type CallLogView = Omit<CallLog, "startedAt" | "answeredAt" | "endedAt"> & {
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
};

const tcpListening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

/** A UDP port is bound when binding it again fails. */
const udpBound = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = dgram.createSocket("udp4");
    socket.on("error", () => {
      socket.close();
      resolve(true);
    });
    socket.bind(port, "127.0.0.1", () => {
      socket.close();
      resolve(false);
    });
  });

describe("Call logs from the SBC (Kamailio acc → portal)", () => {
  let t: TestApp;
  let sbc: StandaloneSbc;
  let microsoft: Proc;
  let pbx: Proc;
  let busyPbx: Proc;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let acme: Account;
  let beta: Account;
  let viewers: Record<"acme" | "partnerA" | "partnerB" | "operator", SignedInUser>;
  const aliceId = randomUUID();
  const bobId = randomUUID();
  const acmeFqdn = `acme.${TEAMS_BASE_DOMAIN}`;
  const betaFqdn = `beta.${TEAMS_BASE_DOMAIN}`;

  const list = async (viewer: SignedInUser, account: Account, query = "") => {
    const response = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${account.id}/call-logs${query}`,
      headers: viewer.headers,
    });
    return {
      status: response.statusCode,
      body: response.json() as { items: CallLogView[]; nextCursor: string | null },
    };
  };
  const items = async (viewer: SignedInUser, account: Account, query = "") => {
    const { status, body } = await list(viewer, account, query);
    expect(status, JSON.stringify(body)).toBe(200);
    return body.items;
  };

  beforeAll(async () => {
    // Kamailio runs as its own role, so the CDRs prove its INSERT grant; the schema is the portal's install.
    sbc = await startStandaloneSbc({
      extraPorts: ["msUas", "pbxUas", "busyUas"],
      kamailioDbUrl: asKamailioRole,
      async seed(_db, _ports, dbUrl) {
        const pool = new pg.Pool({ connectionString: dbUrl, max: 1 });
        try {
          await installKamailioSchema(pool, "/usr/share/kamailio/postgres", {
            name: KAMAILIO_DB_ROLE,
            password: KAMAILIO_DB_PASSWORD,
          });
        } finally {
          await pool.end();
        }
      },
    });
    t = await startTestApp(
      { SBC_DATABASE_URL: sbc.dbUrl, KAMAILIO_DB_PASSWORD, CALL_LOG_RETENTION_DAYS: "30" },
      { workers: false },
    );
    tree = await createAccountTree(t.deps.db);
    acme = tree.enterprise;
    beta = tree.siblingEnterprise;
    await createAccount(t.deps.db, "enterprise", tree.partner, "Enterprise A2");
    viewers = {
      acme: await createSignedInUser(t.deps.db, acme, "Read-only"),
      partnerA: await createSignedInUser(t.deps.db, tree.partner, "Read-only"),
      partnerB: await createSignedInUser(t.deps.db, tree.sibling, "Read-only"),
      operator: await createSignedInUser(t.deps.db, tree.operator, "Read-only"),
    };
    for (const [id, account, user] of [
      [aliceId, acme, ALICE],
      [bobId, beta, BOB],
    ] as const) {
      await t.deps.db.insert(provisionedUsers).values({
        id,
        enterpriseAccountId: account.id,
        teamsUserObjectId: randomUUID(),
        userPrincipalName: `${user.sipUser}@${account.name.replace(/\W/g, "").toLowerCase()}.test`,
        displayName: `User ${user.sipUser}`,
        pbxLocation: "HQ",
        regionId: randomUUID(),
        sipUser: user.sipUser,
        phoneNumber: user.number,
        callingEnabled: true,
        status: "done",
      });
    }

    // The rows the sbc module writes for two static-IP customers: Acme (answering PBX) and Beta (busy PBX).
    const pool = new pg.Pool({ connectionString: sbc.dbUrl, max: 1 });
    try {
      const p = sbc.ports;
      await pool.query("insert into domain (domain, did) values ($1, $2), ($3, $4)", [
        acmeFqdn,
        acme.id,
        betaFqdn,
        beta.id,
      ]);
      await pool.query(
        "insert into address (grp, ip_addr, mask, port, tag) values (2, '127.0.0.1', 32, 0, $1)",
        [acme.id],
      );
      await pool.query(
        `insert into dispatcher (setid, destination, flags, priority, attrs, description) values
           (1, $1, 0, 0, 'sockname=ms', 'sip.pstnhub'),
           (100, $2, 0, 0, 'sockname=pbx', $3), (101, $4, 0, 0, 'sockname=pbx', $5)`,
        [
          `sip:127.0.0.1:${p.msUas};transport=tcp`,
          `sip:127.0.0.1:${p.pbxUas};transport=udp`,
          `pbx:${acme.id}`,
          `sip:127.0.0.1:${p.busyUas};transport=udp`,
          `pbx:${beta.id}`,
        ],
      );
      const keys: [string, string][] = [];
      for (const [account, fqdn, set, user] of [
        [acme, acmeFqdn, 100, ALICE],
        [beta, betaFqdn, 101, BOB],
      ] as const) {
        keys.push(
          [`ent:${account.id}:fqdn`, fqdn],
          [`ent:${account.id}:pbxset`, String(set)],
          [`ent:${account.id}:domain`, `pbx.${fqdn}`],
          [`ent:${account.id}:mode`, "static-ip"],
          [`fqdn:${fqdn}`, account.id],
          [`num:${user.number}:ent`, account.id],
          [`num:${user.number}:dev`, randomUUID()],
          [`num:${user.number}:sipuser`, user.sipUser],
        );
      }
      for (const [key, value] of keys) {
        await pool.query(
          "insert into htable (key_name, key_type, value_type, key_value, expires) values ($1, 0, 0, $2, 0)",
          [key, value],
        );
      }
    } finally {
      await pool.end();
    }
    await sbc.rpc("htable.reload", ["sbc"]);
    await sbc.rpc("domain.reload");
    await sbc.rpc("permissions.addressReload");
    await waitFor("dispatcher reloaded", async () => (await sbc.rpc("dispatcher.reload")) !== undefined, {
      retryOnError: true,
    });

    const uas = (name: string, port: number, scenario: string, transport: string[] = []) =>
      runProcess(
        "/usr/bin/sipp",
        [
          `127.0.0.1:${name === "ms" ? sbc.ports.ms : sbc.ports.pbx}`,
          ...transport,
          "-p",
          String(port),
          "-sf",
          path.join(sbcScenarios, scenario),
          "-nostdin",
          "-trace_logs",
          "-log_file",
          path.join(sbc.work, `${name}.log`),
        ],
        sbc.work,
      );
    microsoft = uas("ms", sbc.ports.msUas!, "teams-ms-uas.xml", ["-t", "t1"]);
    pbx = uas("pbx", sbc.ports.pbxUas!, "teams-pbx-uas.xml");
    busyPbx = uas("busy", sbc.ports.busyUas!, "cdr-busy-uas.xml");
    await waitFor(
      "SIPp playing Microsoft and the PBXs listening",
      async () =>
        (await tcpListening(sbc.ports.msUas!)) &&
        (await udpBound(sbc.ports.pbxUas!)) &&
        (await udpBound(sbc.ports.busyUas!)),
      { timeoutMs: 20_000 },
    );
  }, 120_000);

  afterAll(async () => {
    await stopProcess(pbx);
    await stopProcess(busyPbx);
    await stopProcess(microsoft);
    await t?.stop();
    await sbc?.stop();
  });

  it("logs an answered PBX → Teams call, an answered Teams → PBX call and a busy one, and shows each to its own tenants", async () => {
    const toTeams = await runSipp(sbc.work, "pbx-call", "teams-pbx-call.xml", `127.0.0.1:${sbc.ports.pbx}`, [
      "-s",
      ALICE.number,
      "-key",
      "host",
      `127.0.0.1:${sbc.ports.pbx}`,
      "-key",
      "from",
      "5559990000",
      "-key",
      "pai",
      "5559990000",
      "-d",
      "1000",
    ]);
    expect(toTeams.code, toTeams.messages).toBe(0);
    const teamsCall = (name: string, caller: string, fqdn: string) =>
      runSipp(sbc.work, name, "teams-ms-call.xml", `127.0.0.1:${sbc.ports.ms}`, [
        "-t",
        "t1",
        "-s",
        "5550100",
        "-key",
        "pai",
        caller,
        "-key",
        "fqdn",
        fqdn,
        // Half a second of talk time: an answered call's CDR has a duration.
        "-d",
        "500",
      ]);
    const fromTeams = await teamsCall("ms-call", ALICE.number, acmeFqdn);
    expect(fromTeams.code, fromTeams.messages).toBe(0);
    const busy = await teamsCall("ms-busy", BOB.number, betaFqdn);
    expect(busy.messages).toContain("SIP/2.0 486 Busy Here");

    // Acme's own users: its two calls, newest first.
    const acmeCalls = await waitFor(
      "Acme's two CDRs",
      async () => {
        const calls = await items(viewers.acme, acme);
        return calls.length === 2 && calls;
      },
      { timeoutMs: 60_000 },
    );
    const [inbound, outbound] = acmeCalls;
    expect(outbound).toMatchObject({
      direction: "pbx-to-teams",
      result: "answered",
      sipCode: "200",
      fromNumber: "+5559990000",
      toNumber: ALICE.number,
      teamsUserNumber: ALICE.number,
      teamsUser: { id: aliceId, displayName: "User 1001" },
      enterprise: { id: acme.id, name: acme.name },
      trunkFqdn: acmeFqdn,
      microsoftProxy: `sip:127.0.0.1:${sbc.ports.msUas}`,
    });
    expect(outbound!.durationSeconds).toBeGreaterThan(0.5);
    expect(new Date(outbound!.answeredAt!).getTime()).toBeGreaterThanOrEqual(
      new Date(outbound!.startedAt).getTime(),
    );
    expect(new Date(outbound!.endedAt!).getTime()).toBeGreaterThan(new Date(outbound!.answeredAt!).getTime());
    expect(inbound).toMatchObject({
      direction: "teams-to-pbx",
      result: "answered",
      sipCode: "200",
      fromNumber: ALICE.number,
      toNumber: "5550100",
      teamsUser: { id: aliceId },
      trunkFqdn: acmeFqdn,
    });
    expect(inbound!.microsoftProxy).toMatch(/^sip:127\.0\.0\.1:\d+$/);
    expect(inbound!.durationSeconds).toBeGreaterThan(0.25);

    // Beta's busy call: failed with the PBX's answer, no talk time; only Beta's side of the tree sees it.
    const betaCalls = await waitFor(
      "Beta's CDR",
      async () => {
        const calls = await items(viewers.partnerB, tree.sibling);
        return calls.length === 1 && calls;
      },
      { timeoutMs: 60_000 },
    );
    expect(betaCalls[0]).toMatchObject({
      direction: "teams-to-pbx",
      result: "failed",
      sipCode: "486",
      sipReason: "Busy Here",
      answeredAt: null,
      durationSeconds: 0,
      fromNumber: BOB.number,
      teamsUser: { id: bobId },
      enterprise: { id: beta.id, name: beta.name },
    });

    // Partner A sees its subtree (Acme's two calls), not Beta's; the operator sees all three.
    expect((await items(viewers.partnerA, tree.partner)).map((c) => c.id)).toEqual(
      acmeCalls.map((c) => c.id),
    );
    expect(await items(viewers.partnerB, beta)).toHaveLength(1);
    expect(await items(viewers.operator, tree.operator)).toHaveLength(3);
    expect((await list(viewers.partnerA, beta)).status).toBe(404);
    expect((await list(viewers.acme, tree.partner)).status).toBe(404);
    expect((await list(viewers.partnerB, acme)).status).toBe(404);
  }, 120_000);

  it("filters on the server and pages by cursor", async () => {
    const op = (query: string) => items(viewers.operator, tree.operator, query);
    expect((await op("?direction=teams-to-pbx")).map((c) => c.direction)).toEqual([
      "teams-to-pbx",
      "teams-to-pbx",
    ]);
    expect((await op("?result=failed")).map((c) => c.sipCode)).toEqual(["486"]);
    expect(await op("?result=missed")).toEqual([]);
    expect(await op("?result=answered")).toHaveLength(2);
    expect((await op(`?teamsUserId=${aliceId}`)).map((c) => c.enterprise.id)).toEqual([acme.id, acme.id]);
    expect((await op("?number=9990000")).map((c) => c.direction)).toEqual(["pbx-to-teams"]);
    expect(await op("?from=2000-01-01&to=2000-12-31")).toEqual([]);
    expect(await op(`?from=${new Date(Date.now() - 3_600_000).toISOString()}`)).toHaveLength(3);
    // A Teams user of another tenant is not found for partner B.
    expect((await list(viewers.partnerB, tree.sibling, `?teamsUserId=${aliceId}`)).status).toBe(404);

    const all = await op("");
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const { body } = await list(
        viewers.operator,
        tree.operator,
        `?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...body.items.map((c) => c.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((c) => c.id));

    const bad = await list(viewers.operator, tree.operator, "?cursor=bm90LWEtY3Vyc29y");
    expect(bad.status).toBe(400);
    const badDirection = await list(viewers.operator, tree.operator, "?direction=sideways");
    expect(badDirection.status).toBe(400);
  });

  it("exports exactly the listed calls as CSV, with the same filters", async () => {
    const csv = async (viewer: SignedInUser, account: Account, query = "") => {
      const response = await t.app.inject({
        method: "GET",
        url: `/api/accounts/${account.id}/call-logs.csv${query}`,
        headers: viewer.headers,
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toContain("text/csv");
      return response.body.trimEnd().split("\r\n");
    };
    const lines = await csv(viewers.partnerA, tree.partner);
    expect(lines[0]).toBe(
      "Started,Answered,Ended,Duration (s),Direction,Result,SIP code,SIP reason,From,To,Teams user,Teams user number,Enterprise,Trunk FQDN,Microsoft proxy,Call-ID",
    );
    const listed = await items(viewers.partnerA, tree.partner);
    expect(lines.slice(1).map((line) => line.split(",").at(-1))).toEqual(listed.map((c) => c.callId));
    const first = lines[1]!.split(",");
    expect(first[0]).toBe(listed[0]!.startedAt);
    expect(first[3]).toBe(String(listed[0]!.durationSeconds));
    expect(first[8]).toBe(listed[0]!.fromNumber);
    expect(first[12]).toBe(listed[0]!.enterprise.name);

    expect(await csv(viewers.partnerB, tree.sibling)).toHaveLength(2);
    expect(await csv(viewers.operator, tree.operator, "?result=failed")).toHaveLength(2);
  });

  it("lets Kamailio's role insert CDRs and nothing more", async () => {
    const db = new pg.Client({ connectionString: sbc.dbUrl });
    await db.connect();
    try {
      await db.query("begin");
      await db.query(`set local role ${KAMAILIO_DB_ROLE}`);
      await db.query("insert into acc_cdrs (s2t_enterprise) values ('x')");
      await expect(db.query("select count(*) from acc_cdrs")).rejects.toThrow(/permission denied/);
    } finally {
      await db.query("rollback");
      await db.end();
    }
  });

  it("purges call logs older than CALL_LOG_RETENTION_DAYS (30 here)", async () => {
    const db = new pg.Client({ connectionString: sbc.dbUrl });
    await db.connect();
    try {
      const old = (Date.now() - 31 * 86_400_000) / 1000;
      await db.query(
        `insert into acc_cdrs (s2t_direction, s2t_enterprise, s2t_user_number, s2t_from, s2t_to, s2t_invited, s2t_code)
         values ('pbx-to-teams', $1, $2, '+15550000000', $2, $3, '486')`,
        [acme.id, ALICE.number, old.toFixed(6)],
      );
      expect(await items(viewers.acme, acme)).toHaveLength(3);
      const purged = await purgeCallLogs(t.deps);
      expect(purged.deleted).toBe(1);
      expect(await items(viewers.acme, acme)).toHaveLength(2);
      expect(await items(viewers.operator, tree.operator)).toHaveLength(3);
    } finally {
      await db.end();
    }
  });
});
