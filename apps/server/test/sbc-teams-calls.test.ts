import { randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Proc,
  readTextIfAny,
  rtpengineCalls,
  runProcess,
  runSipp,
  type SbcPorts,
  type StandaloneSbc,
  sbcScenarios,
  sendUdpRequest,
  startStandaloneSbc,
  stopProcess,
  TEAMS_BASE_DOMAIN,
} from "./support/sbc.js";
import { waitFor } from "./support/wait-for.js";

/**
 * The SBC ready for real Teams traffic (issue 11): the shipped Kamailio configuration (test mode: TCP
 * toward "Microsoft", rtpengine in userspace) against SIPp as the customer's PBX and as Microsoft's
 * proxies. Kamailio's tables hold one static-IP customer, written as the portal's sbc module writes
 * them, plus the trunk-profile keys this configuration reads (ent:<id>:refer, :maxcalls, pbxset:<set>).
 */

const ENT = randomUUID();
const FQDN = `acme.${TEAMS_BASE_DOMAIN}`;
const PBX_SET = 100;
const ALICE = { number: "+15551230001", sipUser: "1001" };
const esc = (s: string) => s.replace(/[.+]/g, "\\$&");

describe("SBC for real Teams traffic (Kamailio, SIPp, rtpengine)", () => {
  let sbc: StandaloneSbc;
  let pbx: Proc;
  let microsoft: Proc;
  let ports: SbcPorts;

  const msLog = () => readTextIfAny(path.join(sbc.work, "ms.log"));
  const pbxLog = () => readTextIfAny(path.join(sbc.work, "pbx.log"));
  const msInvites = async () => (await msLog()).split("\n").filter((l) => l.startsWith("INVITE "));

  const callFromPbx = (
    name: string,
    args: { to?: string; host?: string; from?: string; pai?: string; holdMs?: number } = {},
    started?: (proc: Proc) => void,
  ) =>
    runSipp(
      sbc.work,
      name,
      "teams-pbx-call.xml",
      `127.0.0.1:${ports.pbx}`,
      [
        "-s",
        args.to ?? ALICE.number,
        "-key",
        "host",
        args.host ?? `127.0.0.1:${ports.pbx}`,
        "-key",
        "from",
        args.from ?? "5559990000",
        "-key",
        "pai",
        args.pai ?? "5559990000",
        "-d",
        String(args.holdMs ?? 0),
      ],
      started,
    );

  const callFromTeams = (name: string, sourceIp = "127.0.0.2") =>
    runSipp(sbc.work, name, "teams-ms-call.xml", `127.0.0.1:${ports.ms}`, [
      "-t",
      "t1",
      "-i",
      sourceIp,
      "-s",
      "5550100",
      "-key",
      "pai",
      ALICE.number,
      "-key",
      "fqdn",
      FQDN,
    ]);

  const htableSet = (key: string, value: string) => sbc.rpc("htable.sets", ["sbc", key, value]);

  /** A bare INVITE from the PBX side to Alice's number (with a minimal SDP body, or none: a delayed offer). */
  const invitePbxSide = ({ sdp }: { sdp: boolean }) =>
    sendUdpRequest(ports.pbx, (port) =>
      [
        `INVITE sip:${ALICE.number}@127.0.0.1:${ports.pbx} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${randomUUID().slice(0, 8)}`,
        "Max-Forwards: 70",
        `From: <sip:5559990000@127.0.0.1>;tag=${randomUUID().slice(0, 8)}`,
        `To: <sip:${ALICE.number}@127.0.0.1>`,
        `Call-ID: ${randomUUID()}`,
        "CSeq: 1 INVITE",
        `Contact: <sip:5559990000@127.0.0.1:${port}>`,
        ...(sdp
          ? ["Content-Type: application/sdp", "Content-Length: 4", "", "v=0\n"]
          : ["Content-Length: 0", "", ""]),
      ].join("\r\n"),
    );

  beforeAll(async () => {
    sbc = await startStandaloneSbc({
      extraPorts: ["msUas", "msDead", "pbxUas"],
      // Microsoft's signalling subnets for this run: 127.0.0.0/30 plays 52.112.0.0/14 (127.0.0.1 is
      // the only address the dispatcher set knows, as a DNS answer at start would be).
      localCfg: () => ['#!substdef "!MS_SIGNALLING_NETS!127.0.0.0/30,127.0.1.0/24!g"'],
      async seed(db, p) {
        await db.query("insert into domain (domain, did) values ($1, $2)", [FQDN, ENT]);
        await db.query(
          "insert into address (grp, ip_addr, mask, port, tag) values (2, '127.0.0.1', 32, 0, $1)",
          [ENT],
        );
        // Set 1: Microsoft's proxies in priority order; the first one is unreachable (nothing listens).
        await db.query(
          `insert into dispatcher (setid, destination, flags, priority, attrs, description) values
             (1, $1, 0, 10, 'sockname=ms', 'sip.pstnhub'), (1, $2, 0, 5, 'sockname=ms', 'sip2.pstnhub'),
             ($3, $4, 0, 0, 'sockname=pbx', $5)`,
          [
            `sip:127.0.0.1:${p.msDead};transport=tcp`,
            `sip:127.0.0.1:${p.msUas};transport=tcp`,
            PBX_SET,
            `sip:127.0.0.1:${p.pbxUas};transport=udp`,
            `pbx:${ENT}`,
          ],
        );
        const keys: [string, string][] = [
          [`ent:${ENT}:fqdn`, FQDN],
          [`ent:${ENT}:pbxset`, String(PBX_SET)],
          [`ent:${ENT}:domain`, "pbx.acme.test"],
          [`ent:${ENT}:mode`, "static-ip"],
          [`fqdn:${FQDN}`, ENT],
          [`num:${ALICE.number}:ent`, ENT],
          [`num:${ALICE.number}:dev`, randomUUID()],
          [`num:${ALICE.number}:sipuser`, ALICE.sipUser],
          [`pbxset:${PBX_SET}`, ENT],
        ];
        for (const [key, value] of keys) {
          await db.query(
            "insert into htable (key_name, key_type, value_type, key_value, expires) values ($1, 0, 0, $2, 0)",
            [key, value],
          );
        }
      },
    });
    ports = sbc.ports;
    microsoft = runProcess(
      "/usr/bin/sipp",
      [
        `127.0.0.1:${ports.ms}`,
        "-t",
        "t1",
        "-p",
        String(ports.msUas),
        "-sf",
        path.join(sbcScenarios, "teams-ms-uas.xml"),
        "-nostdin",
        "-trace_logs",
        "-log_file",
        path.join(sbc.work, "ms.log"),
      ],
      sbc.work,
    );
    pbx = runProcess(
      "/usr/bin/sipp",
      [
        `127.0.0.1:${ports.pbx}`,
        "-p",
        String(ports.pbxUas),
        "-sf",
        path.join(sbcScenarios, "teams-pbx-uas.xml"),
        "-nostdin",
        "-trace_logs",
        "-log_file",
        path.join(sbc.work, "pbx.log"),
      ],
      sbc.work,
    );
  }, 60_000);

  afterAll(async () => {
    await stopProcess(pbx);
    await stopProcess(microsoft);
    await sbc?.stop();
  });

  it("fails over from an unreachable proxy (477) to the next one and leaves no rtpengine session behind", async () => {
    const call = await callFromPbx("failover");
    expect(call.code, call.messages).toBe(0);
    expect(await msInvites()).toHaveLength(1);
    await waitFor(
      "rtpengine sessions gone",
      async () => (await rtpengineCalls(ports.rtpengineNg))?.length === 0,
      20_000,
    );
  });

  it("toward Microsoft: PAI kept and numbers in +E.164, Privacy passed, Replaces dropped, REFER out of Allow (default)", async () => {
    const call = await callFromPbx("caller-id", { from: "anonymous", pai: "5559990000" });
    expect(call.code, call.messages).toBe(0);
    const invite = (await msInvites()).at(-1)!;
    expect(invite).toContain(`ruri=sip:${ALICE.number}@sip.pstnhub.microsoft.com;user=phone`);
    expect(invite).toContain("from=<sip:anonymous@anonymous.invalid>");
    expect(invite).toContain(`pai=<sip:+5559990000@${FQDN};user=phone>`);
    expect(invite).toContain("privacy=id");
    expect(invite).toContain(" replaces= contact=");
    expect(invite).not.toMatch(/allow=[^\]]*REFER/i);
    expect(invite).toMatch(/allow=INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY/);

    const named = await callFromPbx("caller-e164", { from: "5559990000" });
    expect(named.code, named.messages).toBe(0);
    expect((await msInvites()).at(-1)).toContain(`from=<sip:+5559990000@${FQDN}>`);
  });

  it("Teams → PBX from a second Microsoft address: the caller is found by PAI when From is anonymous; Privacy reaches the PBX", async () => {
    const call = await callFromTeams("teams-anonymous");
    expect(call.code, call.messages).toBe(0);
    const atPbx = (await pbxLog()).split("\n").find((l) => l.startsWith("INVITE "));
    expect(atPbx).toContain(`<sip:${ALICE.sipUser}@pbx.acme.test>`);
    expect(atPbx).toContain("privacy=id");
    // The 200 to Microsoft carries the customer's FQDN and no REFER.
    expect(call.log).toMatch(new RegExp(`200 contact=sip:[^ ]*@${esc(FQDN)}:${ports.ms};transport=tcp;`));
    expect(call.log).not.toMatch(/200 contact=\S+ allow=[^\n]*REFER/);
  });

  it("answers Microsoft's re-INVITE with the customer's FQDN in Contact, never the PBX's address", async () => {
    // From the address the dispatcher set knows, so this checks the Contact alone.
    const call = await callFromTeams("teams-reinvite", "127.0.0.1");
    expect(call.code, call.messages).toBe(0);
    const contact = call.log.match(/REINVITE200 contact=(\S+)/)?.[1];
    expect(contact).toMatch(new RegExp(`^sip:[^@]+@${esc(FQDN)}:${ports.ms};transport=tcp;`));
    expect(contact).not.toContain(`127.0.0.1:${ports.pbxUas}`);
  });

  it("refuses calls from outside Microsoft's signalling subnets", async () => {
    const call = await callFromTeams("teams-foreign-source", "127.0.0.9");
    expect(call.code).not.toBe(0);
    expect(call.messages).toContain("SIP/2.0 403 Forbidden");
  });

  it("refuses a delayed offer (INVITE without SDP) from the PBX with 488", async () => {
    const status = await invitePbxSide({ sdp: false });
    expect(status).toBe("SIP/2.0 488 Delayed Offer Not Supported");
  });

  it("transfers: REFER mode 'route' keeps REFER in Allow and routes the PBX's INVITE to +E164@sip.pstnhub back to Microsoft", async () => {
    // Today's behaviour ('strip') refuses such an INVITE.
    const refused = await callFromPbx("transfer-strip", {
      to: ALICE.number,
      host: "sip.pstnhub.microsoft.com",
    });
    expect(refused.code).not.toBe(0);
    expect(refused.messages).toContain("403 Transfer Not Routed");

    await htableSet(`ent:${ENT}:refer`, "route");
    try {
      const call = await callFromPbx("transfer-route", {
        to: "15551239999",
        host: "sip.pstnhub.microsoft.com",
      });
      expect(call.code, call.messages).toBe(0);
      const invite = (await msInvites()).at(-1)!;
      expect(invite).toContain("ruri=sip:+15551239999@sip.pstnhub.microsoft.com;user=phone");
      expect(invite).toMatch(/allow=[^\]]*REFER/);
      expect(invite).toMatch(new RegExp(`contact=sip:[^ ]*@${esc(FQDN)}:${ports.ms};transport=tcp;`));
    } finally {
      await sbc.rpc("htable.delete", ["sbc", `ent:${ENT}:refer`]);
    }
  });

  it("enforces the trunk's max concurrent calls with the dialog module: 503 to the PBX when full", async () => {
    const callsUp = async () => {
      const size = (await sbc.rpc("dlg.profile_get_size", ["trunk", ENT])) as { value?: number } | number;
      return typeof size === "number" ? size : size?.value;
    };
    await waitFor("no call up on the trunk", async () => (await callsUp()) === 0, 20_000);
    await htableSet(`ent:${ENT}:maxcalls`, "1");
    let heldProc: Proc | undefined;
    const held = callFromPbx("held-call", { holdMs: 600_000 }, (proc) => {
      heldProc = proc;
    });
    await waitFor("one call up on the trunk", async () => (await callsUp()) === 1, 20_000);
    const status = await invitePbxSide({ sdp: true });
    expect(status).toBe("SIP/2.0 503 Trunk Call Limit Reached");
    await stopProcess(heldProc);
    await held;
  }, 60_000);

  it("a user deleted in the portal is refused at once, before any htable reload (the database is the truth)", async () => {
    const db = new pg.Client({ connectionString: sbc.dbUrl });
    await db.connect();
    try {
      await db.query("delete from htable where key_name = $1", [`num:${ALICE.number}:ent`]);
    } finally {
      await db.end();
    }
    const fromTeams = await callFromTeams("teams-deleted-user", "127.0.0.1");
    expect(fromTeams.code).not.toBe(0);
    expect(fromTeams.messages).toContain("SIP/2.0 403 Calling Not Enabled");
    const fromPbx = await invitePbxSide({ sdp: true });
    expect(fromPbx).toBe("SIP/2.0 404 Not Found");
  });
});
