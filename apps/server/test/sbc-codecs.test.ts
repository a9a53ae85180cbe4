import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Proc,
  readTextIfAny,
  runProcess,
  runSipp,
  type StandaloneSbc,
  sbcScenarios,
  startStandaloneSbc,
  stopProcess,
  TEAMS_BASE_DOMAIN,
} from "./support/sbc.js";

/**
 * The trunk profile's codec choices (issue 11, item 8): the portal writes them as `ent:<id>:codecs`
 * (SDP encoding names) and the shipped Kamailio configuration enforces them on the offer both ways.
 * SIPp offers PCMU, PCMA and G722 (and telephone-event); the far side logs the offer it received.
 */

const ENT = randomUUID();
const FQDN = `codecs.${TEAMS_BASE_DOMAIN}`;
const NUMBER = "+15551237001";
const SRTP_KEY = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd";

describe("codec choice per trunk (Kamailio, SIPp, rtpengine)", () => {
  let sbc: StandaloneSbc;
  const answerers: Proc[] = [];

  /** The answerer on one side: Microsoft (TCP, SRTP) or the PBX (UDP, RTP); its log holds one OFFER line per call. */
  function answerer(side: "ms" | "pbx", port: number) {
    const tcp = side === "ms" ? ["-t", "t1"] : [];
    answerers.push(
      runProcess(
        "/usr/bin/sipp",
        [
          `127.0.0.1:${side === "ms" ? sbc.ports.ms : sbc.ports.pbx}`,
          ...tcp,
          "-p",
          String(port),
          "-sf",
          path.join(sbcScenarios, "codec-uas.xml"),
          "-key",
          "proto",
          side === "ms" ? "RTP/SAVP" : "RTP/AVP",
          "-key",
          "media",
          side === "ms" ? SRTP_KEY : "a=sendrecv",
          "-nostdin",
          "-trace_logs",
          "-log_file",
          path.join(sbc.work, `${side}-answerer.log`),
        ],
        sbc.work,
      ),
    );
  }

  const offersAt = async (side: "ms" | "pbx") =>
    (await readTextIfAny(path.join(sbc.work, `${side}-answerer.log`)))
      .split("\n")
      .filter((line) => /^(RE)?OFFER /.test(line));
  /** What the far side saw of one call: the offer of the call and of its re-INVITE. */
  const onlyPcma = (offer: string) => `${offer} m=8 101 first=PCMA other= dtmf=telephone-event`;

  const allowCodecs = (codecs: string) => sbc.rpc("htable.sets", ["sbc", `ent:${ENT}:codecs`, codecs]);

  const call = (name: string, from: "pbx" | "ms") =>
    runSipp(
      sbc.work,
      name,
      "codec-call.xml",
      `127.0.0.1:${from === "pbx" ? sbc.ports.pbx : sbc.ports.ms}`,
      from === "pbx"
        ? ["-s", NUMBER, "-key", "host", `127.0.0.1:${sbc.ports.pbx}`, "-key", "from", "5559990000"]
        : ["-t", "t1", "-s", "5550100", "-key", "host", FQDN, "-key", "from", NUMBER],
    );

  beforeAll(async () => {
    sbc = await startStandaloneSbc({
      extraPorts: ["msAnswerer", "pbxAnswerer"],
      async seed(db, p) {
        await db.query("insert into domain (domain, did) values ($1, $2)", [FQDN, ENT]);
        await db.query(
          "insert into address (grp, ip_addr, mask, port, tag) values (2, '127.0.0.1', 32, 0, $1)",
          [ENT],
        );
        const destinations: [number, string, string][] = [
          [1, `sip:127.0.0.1:${p.msAnswerer};transport=tcp`, "sockname=ms"],
          [101, `sip:127.0.0.1:${p.pbxAnswerer};transport=udp`, "sockname=pbx"],
        ];
        for (const [set, uri, attrs] of destinations)
          await db.query("insert into dispatcher (setid, destination, attrs) values ($1, $2, $3)", [
            set,
            uri,
            attrs,
          ]);
        const keys = Object.entries({
          [`ent:${ENT}:fqdn`]: FQDN,
          [`ent:${ENT}:pbxset`]: "101",
          [`ent:${ENT}:domain`]: "pbx.codecs.test",
          [`ent:${ENT}:mode`]: "static-ip",
          [`fqdn:${FQDN}`]: ENT,
          [`num:${NUMBER}:ent`]: ENT,
          [`num:${NUMBER}:dev`]: randomUUID(),
          [`num:${NUMBER}:sipuser`]: "7001",
        });
        await db.query(
          "insert into htable (key_name, key_type, value_type, key_value, expires) select k, 0, 0, v, 0 from unnest($1::text[], $2::text[]) as t(k, v)",
          [keys.map(([k]) => k), keys.map(([, v]) => v)],
        );
      },
    });
    answerer("ms", sbc.ports.msAnswerer!);
    answerer("pbx", sbc.ports.pbxAnswerer!);
  }, 60_000);

  afterAll(async () => {
    for (const proc of answerers) await stopProcess(proc);
    await sbc?.stop();
  });

  it("PBX → Teams: an offer of PCMU, PCMA, G722 on a PCMA-only trunk reaches Microsoft with PCMA and telephone-event only, also in a re-INVITE", async () => {
    await allowCodecs("PCMA");
    const result = await call("pbx-to-ms", "pbx");
    expect(result.code, result.messages).toBe(0);
    expect((await offersAt("ms")).slice(-2)).toEqual([onlyPcma("OFFER"), onlyPcma("REOFFER")]);
  });

  it("Teams → PBX: Microsoft's offer reaches the PBX with the trunk's codecs only, also in a re-INVITE", async () => {
    await allowCodecs("PCMA");
    const result = await call("ms-to-pbx", "ms");
    expect(result.code, result.messages).toBe(0);
    expect((await offersAt("pbx")).slice(-2)).toEqual([onlyPcma("OFFER"), onlyPcma("REOFFER")]);
  });

  it("a trunk with no codec in common with the offer answers 488, both ways", async () => {
    await allowCodecs("G729");
    const fromPbx = await call("pbx-no-common", "pbx");
    expect(fromPbx.code).not.toBe(0);
    expect(fromPbx.messages).toContain("SIP/2.0 488 Not Acceptable Here");
    const fromTeams = await call("ms-no-common", "ms");
    expect(fromTeams.code).not.toBe(0);
    expect(fromTeams.messages).toContain("SIP/2.0 488 Not Acceptable Here");
  });
});
