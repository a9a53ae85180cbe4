import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import dgram from "node:dgram";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueSbcSync } from "../src/modules/sbc/jobs.js";
import { kamailioAdapter } from "../src/modules/sbc/kamailio/adapter.js";
import { installKamailioSchema } from "../src/modules/sbc/kamailio/schema.js";
import { sbcDatabaseUrl } from "../src/modules/sbc/runtime.js";
import { loadDesiredState } from "../src/modules/sbc/service.js";
import { provisionedUsers, sipDevices } from "../src/modules/teams-users/schema.js";
import { deviceAd } from "../src/modules/teams-users/service.js";
import type { Account } from "../src/modules/tenancy/schema.js";
import { trunkProfiles } from "../src/modules/trunks/schema.js";
import { webhookEvents } from "../src/modules/webhooks/schema.js";
import {
  createAccount,
  createAccountTree,
  createSignedInUser,
  type SignedInUser,
} from "./support/factories.js";
import { sipTestPort } from "./support/ports.js";
import { asKamailioRole, KAMAILIO_DB_PASSWORD, kamailioArgs } from "./support/sbc.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor as waitUntil } from "./support/wait-for.js";

/**
 * The SBC end to end with real processes: the portal's tables → the sbc job → Kamailio's tables →
 * a real Kamailio running sbc/kamailio/kamailio.cfg (test mode: TCP toward "Microsoft") → SIPp
 * playing the customer's PBX (UDP registrar with digest auth) and Microsoft's SIP proxy (TCP).
 */

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const cfgDir = path.join(repoRoot, "sbc/kamailio");
const scenarios = path.join(repoRoot, "sbc/test");
const BASE_DOMAIN = "customers.sip2teams.test";
const FQDN = `acme.${BASE_DOMAIN}`;
const PBX_DOMAIN = "pbx.acme.test";
/** The realm of the test PBX's challenges: not its SIP domain, so the trunk profile's SIP realm is what counts. */
const PBX_REALM = "acme-pbx";

interface Proc {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

function run(command: string, args: string[], cwd: string): Proc {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stdout!.on("data", (chunk) => output.push(chunk.toString()));
  child.stderr!.on("data", (chunk) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output, exited };
}

async function stop(proc: Proc | undefined) {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), 3_000);
  await proc.exited;
  clearTimeout(timer);
}

/** Asks rtpengine's NG control port for a pong, so no call is placed before the media relay listens. */
async function rtpenginePong(port: number): Promise<boolean> {
  const socket = dgram.createSocket("udp4");
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 500);
      socket.on("message", (message) => {
        clearTimeout(timer);
        resolve(message.toString().includes("pong"));
      });
      socket.send(Buffer.from("ready d7:command4:pinge"), port, "127.0.0.1");
    });
  } finally {
    socket.close();
  }
}

const readText = async (file: string) => (existsSync(file) ? readFile(file, "utf8") : "");

/** This suite polls processes that may still be starting, so probe errors are retried until the deadline. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000) =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 150, retryOnError: true });

describe("SBC with Kamailio and SIPp", () => {
  let t: TestApp;
  let admin: SignedInUser;
  let enterprise: Account;
  let otherEnterprise: Account;
  let staticEnterprise: Account;
  let work: string;
  let kamailio: Proc;
  let pbx: Proc;
  let microsoft: Proc;
  let rtpengine: Proc;
  const ports = { ms: 0, pbx: 0, rpc: 0, pbxUas: 0, msUas: 0, rtpengineNg: 0 };
  const media = { min: 0, max: 0 };
  const users: Record<
    "alice" | "bob",
    { userId: string; deviceId: string; sipUser: string; number: string }
  > = {
    alice: { userId: randomUUID(), deviceId: randomUUID(), sipUser: "1001", number: "+15551230001" },
    bob: { userId: randomUUID(), deviceId: randomUUID(), sipUser: "1002", number: "+15551230002" },
  };

  const pbxLog = () => readText(path.join(work, "pbx.log"));
  const msLog = () => readText(path.join(work, "ms.log"));

  async function sbcStatus(account = enterprise) {
    const response = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${account.id}/sbc/status`,
      headers: admin.headers,
    });
    expect(response.statusCode).toBe(200);
    return response.json() as {
      live: { reachable: boolean; error: string | null };
      trunk: { fqdn: string; pendingActivation: boolean } | null;
      microsoftProxies: { uri: string; state: string }[];
      pbx: { uri: string; state: string }[];
      devices: { deviceId: string; authId: string; state: string; lastRegisteredAt: string | null }[];
    };
  }

  async function deviceState(deviceId: string) {
    return (await sbcStatus()).devices.find((d) => d.deviceId === deviceId)?.state;
  }

  /** Runs a SIPp client scenario to completion; resolves with its exit code (0: every call succeeded). */
  async function sipp(name: string, scenario: string, target: string, args: string[]) {
    const proc = run(
      "sipp",
      [
        target,
        "-sf",
        path.join(scenarios, scenario),
        "-m",
        "1",
        "-nostdin",
        "-timeout",
        "15",
        "-timeout_error",
        "-trace_msg",
        "-message_file",
        path.join(work, `${name}-messages.log`),
        "-trace_logs",
        "-log_file",
        path.join(work, `${name}.log`),
        ...args,
      ],
      work,
    );
    const code = await proc.exited;
    return {
      code,
      messages: await readText(path.join(work, `${name}-messages.log`)),
      log: await readText(path.join(work, `${name}.log`)),
    };
  }

  const callFromPbx = (name: string, deviceId: string, scenario = "pbx-call.xml") =>
    sipp(name, scenario, `127.0.0.1:${ports.pbx}`, ["-s", deviceId, "-key", "caller", "5559990000"]);

  const callFromTeams = (name: string, caller: string, dialled = "5550100") =>
    sipp(name, "ms-call.xml", `127.0.0.1:${ports.ms}`, [
      "-t",
      "t1",
      "-s",
      dialled,
      "-key",
      "caller",
      caller,
      "-key",
      "fqdn",
      FQDN,
    ]);

  async function sync(account = enterprise) {
    await enqueueSbcSync(t.deps.jobs, account.id);
  }

  async function addUser(
    user: (typeof users)["alice"],
    authId: string,
    password: string,
    account = enterprise,
  ) {
    await t.deps.db.insert(provisionedUsers).values({
      id: user.userId,
      enterpriseAccountId: account.id,
      teamsUserObjectId: randomUUID(),
      userPrincipalName: `${user.sipUser}@acme.test`,
      displayName: `User ${user.sipUser}`,
      pbxLocation: "HQ",
      regionId: randomUUID(),
      sipUser: user.sipUser,
      phoneNumber: user.number,
      callingEnabled: true,
      status: "done",
    });
    await t.deps.db.insert(sipDevices).values({
      id: user.deviceId,
      provisionedUserId: user.userId,
      enterpriseAccountId: account.id,
      authId,
      passwordSealed: t.deps.secrets.seal(password, deviceAd(user.deviceId)),
    });
  }

  beforeAll(async () => {
    for (const binary of ["/usr/sbin/kamailio", "/usr/bin/sipp", "/usr/bin/rtpengine"]) {
      if (!existsSync(binary)) {
        throw new Error(
          `${binary} is missing: apt-get install -y kamailio kamailio-postgres-modules kamailio-tls-modules kamailio-extra-modules sip-tester rtpengine-daemon`,
        );
      }
    }
    work = await mkdtemp(path.join(os.tmpdir(), "sip2teams-sbc-"));
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await sipTestPort();

    t = await startTestApp({
      KAMAILIO_DB_PASSWORD,
      KAMAILIO_RPC_URL: `http://127.0.0.1:${ports.rpc}/RPC`,
      SBC_MICROSOFT_PROXIES: `sip:127.0.0.1:${ports.msUas};transport=tcp`,
    });
    const tree = await createAccountTree(t.deps.db);
    enterprise = tree.enterprise;
    otherEnterprise = await createAccount(t.deps.db, "enterprise", tree.partner, "Enterprise A2");
    staticEnterprise = await createAccount(t.deps.db, "enterprise", tree.partner, "Beta (static IP)");
    admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");

    // The SBC database beside the test's portal database, with Kamailio's schema from its SQL files
    // and Kamailio's own role, which may only read Kamailio's tables.
    const sbcUrl = await sbcDatabaseUrl(t.deps.config, t.deps.db);
    const pool = new pg.Pool({ connectionString: sbcUrl, max: 1 });
    await installKamailioSchema(pool, t.deps.config.KAMAILIO_SCHEMA_DIR, {
      name: t.deps.config.KAMAILIO_DB_ROLE,
      password: KAMAILIO_DB_PASSWORD,
    });
    await pool.end();

    // The PBX's own accounts: alice's device password matches; bob's PBX password differs from the portal's.
    await writeFile(path.join(work, "devices.csv"), "SEQUENTIAL\nacme1001;Alice123;\nacme1002;Bob45678;\n");
    pbx = run(
      "sipp",
      [
        `127.0.0.1:${ports.pbx}`,
        "-p",
        String(ports.pbxUas),
        "-sf",
        path.join(scenarios, "pbx-uas.xml"),
        "-inf",
        "devices.csv",
        "-infindex",
        "devices.csv",
        "0",
        "-key",
        "realm",
        PBX_REALM,
        "-nostdin",
        "-deadcall_wait",
        "100",
        "-trace_logs",
        "-log_file",
        path.join(work, "pbx.log"),
        "-trace_msg",
        "-message_file",
        path.join(work, "pbx-messages.log"),
      ],
      work,
    );
    microsoft = run(
      "sipp",
      [
        `127.0.0.1:${ports.ms}`,
        "-t",
        "t1",
        "-p",
        String(ports.msUas),
        "-sf",
        path.join(scenarios, "ms-uas.xml"),
        "-nostdin",
        "-trace_logs",
        "-log_file",
        path.join(work, "ms.log"),
        "-trace_msg",
        "-message_file",
        path.join(work, "ms-messages.log"),
      ],
      work,
    );

    // rtpengine in userspace (no kernel module): media relay, SRTP toward Microsoft, RTP toward the PBX.
    media.min = 30_000 + Math.floor(Math.random() * 300) * 100;
    media.max = media.min + 99;
    rtpengine = run(
      "/usr/bin/rtpengine",
      [
        "--foreground",
        "--table=-1",
        "--interface=127.0.0.1",
        `--listen-ng=127.0.0.1:${ports.rtpengineNg}`,
        `--port-min=${media.min}`,
        `--port-max=${media.max}`,
        "--log-stderr",
        `--pidfile=${path.join(work, "rtpengine.pid")}`,
      ],
      work,
    );

    await waitFor("rtpengine listening", () => rtpenginePong(ports.rtpengineNg));

    // Kamailio with the shipped configuration, unchanged, plus this run's site settings.
    const kamDir = path.join(work, "kamailio");
    await mkdir(path.join(kamDir, "run"), { recursive: true });
    for (const file of await readdir(cfgDir)) {
      if (file.endsWith(".cfg")) await copyFile(path.join(cfgDir, file), path.join(kamDir, file));
    }
    await writeFile(
      path.join(kamDir, "kamailio-local.cfg"),
      [
        "#!define WITH_TESTMODE",
        "#!define WITH_RTPENGINE",
        `#!substdef "!RTPENGINE_SOCK!udp:127.0.0.1:${ports.rtpengineNg}!g"`,
        `#!substdef "!DBURL!${asKamailioRole(sbcUrl)}!g"`,
        `#!substdef "!SBC_BASE_DOMAIN!${BASE_DOMAIN}!g"`,
        `#!substdef "!MS_LISTEN!tcp:127.0.0.1:${ports.ms}!g"`,
        `#!substdef "!MS_ADV_PORT!${ports.ms}!g"`,
        `#!substdef "!PBX_LISTEN!udp:127.0.0.1:${ports.pbx}!g"`,
        `#!substdef "!PBX_ADVERTISE!127.0.0.1:${ports.pbx}!g"`,
        `#!substdef "!RPC_LISTEN!tcp:127.0.0.1:${ports.rpc}!g"`,
        '#!substdef "!TOPOH_KEY!sbc-test-key!g"',
        '#!substdef "!TOPOH_MASK_IP!10.255.255.1!g"',
        "#!define REG_TIMER_INTERVAL 1",
        "#!define REG_RETRY_INTERVAL 2",
        "#!define DS_PING_INTERVAL 1",
        "",
      ].join("\n"),
    );
    kamailio = run("/usr/sbin/kamailio", kamailioArgs(kamDir), kamDir);
    await waitFor(
      "Kamailio JSON-RPC",
      async () => {
        if (kamailio.child.exitCode !== null)
          throw new Error(`kamailio exited:\n${kamailio.output.join("")}`);
        const response = await fetch(`http://127.0.0.1:${ports.rpc}/RPC`, {
          method: "POST",
          body: JSON.stringify({ jsonrpc: "2.0", method: "core.version", id: 1 }),
        });
        return response.ok;
      },
      15_000,
    );

    await t.deps.db.insert(trunkProfiles).values({
      enterpriseAccountId: enterprise.id,
      label: "acme",
      fqdn: FQDN,
      pbxHost: "127.0.0.1",
      pbxPort: ports.pbxUas,
      transport: "UDP",
      sipDomain: PBX_DOMAIN,
      pbxRealm: PBX_REALM,
      outboundProxy: null,
      mode: "registration",
      allowedIps: [],
      maxConcurrentCalls: 10,
      codecs: ["PCMU"],
      status: "active",
    });
    await addUser(users.alice, "acme1001", "Alice123");
    await addUser(users.bob, "acme1002", "WrongPw1");
  }, 60_000);

  afterAll(async () => {
    await stop(kamailio);
    await stop(pbx);
    await stop(microsoft);
    await stop(rtpengine);
    await t?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("registers every provisioned SIP device with exactly its credentials; a wrong password shows as failed", async () => {
    await sync();
    await waitFor("alice registered", async () => (await deviceState(users.alice.deviceId)) === "registered");
    await waitFor("bob failed", async () => (await deviceState(users.bob.deviceId)) === "failed");

    const log = await pbxLog();
    expect(log).toContain(
      `REGISTER auth=acme1001 valid=true expires=600 contact=sip:${users.alice.deviceId}@127.0.0.1:${ports.pbx}`,
    );
    expect(log).not.toContain("auth=acme1001 valid=false");
    expect(log).toContain("REGISTER auth=acme1002 valid=false");
    expect(log).not.toContain("auth=acme1002 valid=true");

    const status = await sbcStatus();
    expect(status.live).toEqual({ configured: true, reachable: true, error: null });
    expect(status.trunk).toMatchObject({ fqdn: FQDN, pendingActivation: false });
    expect(status.devices.map((d) => [d.authId, d.state]).sort()).toEqual([
      ["acme1001", "registered"],
      ["acme1002", "failed"],
    ]);
    expect(status.devices.find((d) => d.authId === "acme1001")!.lastRegisteredAt).not.toBeNull();
    expect(status.pbx).toEqual([{ uri: `sip:127.0.0.1:${ports.pbxUas};transport=udp`, state: "reachable" }]);

    // Another enterprise's status shows nothing of this one.
    const other = await sbcStatus(otherEnterprise);
    expect(other.trunk).toBeNull();
    expect(other.devices).toEqual([]);
  });

  it("keeps Microsoft's proxies alive with OPTIONS carrying the SBC FQDN", async () => {
    await waitFor("OPTIONS answered", async () =>
      (await sbcStatus()).microsoftProxies.every((p) => p.state === "reachable"),
    );
    expect((await sbcStatus()).microsoftProxies).toEqual([
      { uri: `sip:127.0.0.1:${ports.msUas};transport=tcp`, state: "reachable" },
    ]);
    expect(await msLog()).toContain(`OPTIONS contact=sip:${BASE_DOMAIN}:${ports.ms};transport=tcp`);
  });

  it("PBX → Teams: a call to a device's contact reaches Microsoft for the user's E.164 number, with the customer's FQDN", async () => {
    const call = await callFromPbx("pbx-to-teams", users.alice.deviceId);
    expect(call.code, call.messages).toBe(0);
    const invite = (await msLog()).split("\n").find((line) => line.startsWith("INVITE "));
    expect(invite).toBeDefined();
    expect(invite).toContain(`ruri=sip:${users.alice.number}@sip.pstnhub.microsoft.com;user=phone`);
    expect(invite).toMatch(
      new RegExp(`contact=sip:5559990000@${FQDN.replace(/\./g, "\\.")}:${ports.ms};transport=tcp;`),
    );
    expect(invite).toMatch(new RegExp(`rr=<sip:${FQDN.replace(/\./g, "\\.")}:${ports.ms};transport=tcp;`));
    expect(invite).toContain(`from=<sip:+5559990000@${FQDN}>`);
    // Media goes through rtpengine, offered to Microsoft as SRTP.
    const offered = invite!.match(/media=m=audio (\d+) (\S+) /);
    expect(offered?.[2]).toBe("RTP/SAVP");
    expect(Number(offered?.[1])).toBeGreaterThanOrEqual(media.min);
    expect(Number(offered?.[1])).toBeLessThanOrEqual(media.max);
    expect(invite).toMatch(/crypto=a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/);
  });

  it("static-IP trunk: the PBX calls a Teams user's number from an allowed address, nothing registers", async () => {
    const carol = { userId: randomUUID(), deviceId: randomUUID(), sipUser: "2001", number: "+15557770001" };
    await t.deps.db.insert(trunkProfiles).values({
      enterpriseAccountId: staticEnterprise.id,
      label: "beta",
      fqdn: `beta.${BASE_DOMAIN}`,
      pbxHost: "127.0.0.1",
      pbxPort: ports.pbxUas,
      transport: "UDP",
      sipDomain: "pbx.beta.test",
      outboundProxy: null,
      mode: "static-ip",
      allowedIps: ["127.0.0.1/32"],
      maxConcurrentCalls: 10,
      codecs: ["PCMU"],
      status: "active",
    });
    await addUser(carol, "beta2001", "Carol123", staticEnterprise);
    await sync(staticEnterprise);
    await waitFor("beta on the SBC", async () => {
      const status = await sbcStatus(staticEnterprise);
      return status.trunk?.pendingActivation === false && status.devices.length === 0;
    });

    const call = await sipp("static-ip", "pbx-call.xml", `127.0.0.1:${ports.pbx}`, [
      "-s",
      carol.number,
      "-key",
      "caller",
      "5559990000",
    ]);
    expect(call.code, call.messages).toBe(0);
    const invite = (await msLog())
      .split("\n")
      .filter((line) => line.startsWith(`INVITE ruri=sip:${carol.number}@`));
    expect(invite).toHaveLength(1);
    expect(invite[0]).toContain(`contact=sip:5559990000@beta.${BASE_DOMAIN}:${ports.ms};transport=tcp;`);
    expect(await pbxLog()).not.toContain("auth=beta2001");

    // Another customer's Teams number is not reachable through this trunk.
    const foreign = await sipp("static-ip-foreign", "pbx-call-refused.xml", `127.0.0.1:${ports.pbx}`, [
      "-s",
      users.alice.number,
      "-key",
      "caller",
      "5559990000",
    ]);
    expect(foreign.code, foreign.messages).toBe(0);
  });

  it("Teams → PBX: a Teams user's call reaches the PBX as that user's SIP device, topology hidden", async () => {
    const call = await callFromTeams("teams-to-pbx", users.alice.number);
    expect(call.code, call.messages).toBe(0);
    const atPbx = (await pbxLog())
      .split("\n")
      .find((line) => line.startsWith("INVITE auth=acme1001 valid=true"));
    expect(atPbx).toContain("INVITE auth=acme1001 valid=true from=1001 ruri=5550100");
    // Microsoft's SRTP offer reaches the PBX as plain RTP on an rtpengine port; the answer goes back as SRTP.
    const pbxMedia = atPbx!.match(/media=m=audio (\d+) (\S+) /);
    expect(pbxMedia?.[2]).toBe("RTP/AVP");
    expect(Number(pbxMedia?.[1])).toBeGreaterThanOrEqual(media.min);
    expect(call.log).toMatch(/media=m=audio \d+ RTP\/SAVP 0 crypto=a=crypto:/);
    // The answer toward Microsoft carries the customer's FQDN in Contact.
    expect(call.log).toContain(`200 contact=sip:5550100@${FQDN}:${ports.ms};transport=tcp;`);

    // What the PBX received names neither Microsoft's address nor its headers.
    const pbxMessages = await readText(path.join(work, "pbx-messages.log"));
    const invites = pbxMessages.split(/-{20,}/).filter((m) => m.includes("INVITE sip:5550100@"));
    expect(invites.length).toBeGreaterThan(0);
    for (const message of invites) {
      expect(message).not.toContain("pstnhub");
      expect(message).not.toMatch(/Via: SIP\/2\.0\/TCP/);
      expect(message).toContain("From: <sip:1001@pbx.acme.test>");
    }

    // A number that is not a calling-enabled user of this customer is refused.
    const stranger = await callFromTeams("teams-stranger", "+15559876543");
    expect(stranger.code).not.toBe(0);
    expect(stranger.messages).toContain("SIP/2.0 403 Calling Not Enabled");
  });

  it("refuses a request that ran out of hops (Max-Forwards)", async () => {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    const { port } = socket.address();
    const reply = new Promise<string>((resolve) => socket.once("message", (m) => resolve(m.toString())));
    const invite = [
      `INVITE sip:${users.alice.deviceId}@127.0.0.1:${ports.pbx} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${randomUUID().slice(0, 8)}`,
      "Max-Forwards: 0",
      `From: <sip:5559990000@127.0.0.1>;tag=${randomUUID().slice(0, 8)}`,
      `To: <sip:${users.alice.deviceId}@127.0.0.1>`,
      `Call-ID: ${randomUUID()}`,
      "CSeq: 1 INVITE",
      `Contact: <sip:5559990000@127.0.0.1:${port}>`,
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
    socket.send(invite, ports.pbx, "127.0.0.1");
    const text = await reply;
    socket.close();
    expect(text).toMatch(/^SIP\/2\.0 483 Too Many Hops/);
  });

  it("a regenerated password re-registers the device", async () => {
    await t.deps.db
      .update(sipDevices)
      .set({ passwordSealed: t.deps.secrets.seal("Bob45678", deviceAd(users.bob.deviceId)) })
      .where(eq(sipDevices.id, users.bob.deviceId));
    // Debounced: a burst of changes queues at most a run now and one in the next slot.
    const queued = await Promise.all(
      Array.from({ length: 10 }, () => enqueueSbcSync(t.deps.jobs, enterprise.id)),
    );
    expect(queued.filter(Boolean).length).toBeLessThanOrEqual(2);
    await waitFor("bob registered", async () => (await deviceState(users.bob.deviceId)) === "registered");
    expect(await pbxLog()).toContain("REGISTER auth=acme1002 valid=true expires=600");
  });

  it("the SBC database holds no device password: HA1 for the PBX's realm, read by Kamailio's read-only role", async () => {
    const sbcUrl = await sbcDatabaseUrl(t.deps.config, t.deps.db);
    const client = new pg.Client({ connectionString: sbcUrl });
    await client.connect();
    try {
      const tables = await client.query<{ name: string }>(
        "select quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
      );
      let dump = "";
      for (const { name } of tables.rows)
        dump += `${name}: ${JSON.stringify((await client.query(`select * from ${name}`)).rows)}\n`;
      for (const password of ["Alice123", "Bob45678", "WrongPw1"]) expect(dump).not.toContain(password);

      const rows = await client.query(
        "select auth_username, realm, auth_password, auth_ha1 from uacreg where l_domain = $1 order by auth_username",
        [FQDN],
      );
      const ha1 = (authId: string, password: string) =>
        createHash("md5").update(`${authId}:${PBX_REALM}:${password}`).digest("hex");
      expect(rows.rows).toEqual([
        {
          auth_username: "acme1001",
          realm: PBX_REALM,
          auth_password: "",
          auth_ha1: ha1("acme1001", "Alice123"),
        },
        {
          auth_username: "acme1002",
          realm: PBX_REALM,
          auth_password: "",
          auth_ha1: ha1("acme1002", "Bob45678"),
        },
      ]);
    } finally {
      await client.end();
    }
    // Kamailio read all of that with its own role, which can write nothing.
    const kamailioRole = new pg.Client({ connectionString: asKamailioRole(sbcUrl) });
    await kamailioRole.connect();
    try {
      await expect(kamailioRole.query("delete from uacreg")).rejects.toMatchObject({ code: "42501" });
    } finally {
      await kamailioRole.end();
    }
  });

  it("disabling calling stops routing for that number", async () => {
    await t.deps.db
      .update(provisionedUsers)
      .set({ callingEnabled: false })
      .where(eq(provisionedUsers.id, users.alice.userId));
    await sync();
    await waitFor("alice's number unrouted", async () => {
      const call = await callFromPbx(
        `pbx-disabled-${Date.now()}`,
        users.alice.deviceId,
        "pbx-call-refused.xml",
      );
      return call.code === 0;
    });
    const fromTeams = await callFromTeams("teams-disabled", users.alice.number);
    expect(fromTeams.code).not.toBe(0);
    expect(fromTeams.messages).toContain("SIP/2.0 403 Calling Not Enabled");
    // The device itself stays registered.
    expect(await deviceState(users.alice.deviceId)).toBe("registered");
  });

  it("deprovisioning a user removes its registration and refuses its calls", async () => {
    await t.deps.db.delete(provisionedUsers).where(eq(provisionedUsers.id, users.bob.userId));
    await sync();
    await waitFor("bob unregistered at the PBX", async () =>
      (await pbxLog()).includes("REGISTER auth=acme1002 valid=true expires=0"),
    );
    await waitFor("bob gone from the status", async () =>
      (await sbcStatus()).devices.every((d) => d.deviceId !== users.bob.deviceId),
    );
    const call = await callFromPbx("pbx-deprovisioned", users.bob.deviceId, "pbx-call-refused.xml");
    expect(call.code, call.messages).toBe(0);
    expect(call.messages).toContain("SIP/2.0 404 Not Found");
  });

  it("a sync is idempotent; a disabled trunk leaves nothing on the SBC and comes back when enabled", async () => {
    const adapter = kamailioAdapter({
      databaseUrl: await sbcDatabaseUrl(t.deps.config, t.deps.db),
      rpcUrl: `http://127.0.0.1:${ports.rpc}/RPC`,
      schemaDir: t.deps.config.KAMAILIO_SCHEMA_DIR,
      microsoftProxies: [`sip:127.0.0.1:${ports.msUas};transport=tcp`],
      log: t.deps.log,
    });
    // Rows of this enterprise only (the static-IP customer stays).
    const counts = async () =>
      (
        await adapter.pool.query(
          `select (select count(*) from uacreg where l_domain = $2)::int as uacreg,
                  (select count(*) from domain where did = $1)::int as domain,
                  (select count(*) from htable where key_name like 'ent:' || $1 || ':%' or key_name = 'fqdn:' || $2
                     or key_value = $1)::int as htable,
                  (select count(*) from address where tag = $1)::int as address,
                  (select count(*) from dispatcher where description = 'pbx:' || $1)::int as pbx`,
          [enterprise.id, FQDN],
        )
      ).rows[0];
    try {
      const desired = await loadDesiredState(t.deps.db, t.deps.secrets, enterprise.id);
      expect(desired?.devices.map((d) => [d.authId, d.callingEnabled])).toEqual([["acme1001", false]]);
      expect(await adapter.sync(enterprise.id, desired)).toMatchObject({
        trunk: "unchanged",
        devices: { added: [], changed: [], removed: [] },
        numbers: { added: [], removed: [] },
        activated: true,
      });

      // No explicit enqueue from here on: the change watch picks portal changes up within seconds.
      await t.deps.db
        .update(trunkProfiles)
        .set({ status: "disabled", updatedAt: new Date() })
        .where(eq(trunkProfiles.enterpriseAccountId, enterprise.id));
      await waitFor("the SBC emptied", async () => {
        const c = await counts();
        return c.uacreg === 0 && c.domain === 0 && c.htable === 0 && c.pbx === 0 && c.address === 0;
      });
      await waitFor("alice unregistered at the PBX", async () =>
        (await pbxLog()).includes("REGISTER auth=acme1001 valid=true expires=0"),
      );
      expect((await sbcStatus()).trunk).toBeNull();

      await t.deps.db
        .update(trunkProfiles)
        .set({ status: "active", updatedAt: new Date() })
        .where(eq(trunkProfiles.enterpriseAccountId, enterprise.id));
      await waitFor(
        "alice registered again",
        async () => (await deviceState(users.alice.deviceId)) === "registered",
      );
    } finally {
      await adapter.close();
    }
  }, 40_000);

  it("trunk up/down: the SBC watch reads the PBX's OPTIONS state from Kamailio and emits sbc.trunk-up, then sbc.trunk-down once the PBX stops answering", async () => {
    const events = async () =>
      (
        await t.deps.db
          .select({ type: webhookEvents.type, data: webhookEvents.data })
          .from(webhookEvents)
          .where(eq(webhookEvents.accountId, enterprise.id))
          .orderBy(webhookEvents.createdAt)
      ).filter((e) => e.type.startsWith("sbc."));
    const trunk = { enterpriseId: enterprise.id, trunk: "127.0.0.1" };

    await waitFor("sbc.trunk-up", async () => (await events()).length > 0, 120_000);
    expect((await events())[0]).toEqual({ type: "sbc.trunk-up", data: trunk });

    await stop(pbx);
    await waitFor("sbc.trunk-down", async () => (await events()).at(-1)?.type === "sbc.trunk-down", 120_000);
    expect((await events()).at(-1)).toEqual({
      type: "sbc.trunk-down",
      data: { ...trunk, reason: "SIP OPTIONS not answered" },
    });
  }, 300_000);
});
