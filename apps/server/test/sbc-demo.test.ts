import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SBC_PACKAGES_COMMAND,
  sbcAdapterHandle,
  sbcDatabaseUrl,
  startSbcDemo,
} from "../src/modules/sbc/index.js";
import { startBanner } from "../src/runtime/start-banner.js";
import { KAMAILIO_DB_PASSWORD, sendUdpRequest } from "./support/sbc.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

/**
 * The SBC in the zero-setup demo (issue 11, scope 3): `sip2teams start` (boot with sbcDemo) runs the shipped
 * Kamailio configuration in test mode on loopback beside the portal and points the portal at it; without
 * Kamailio it prints the packages to add and the portal's SBC status says "not running".
 */
describe("the demo SBC of sip2teams start", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ KAMAILIO_DB_PASSWORD }, { workers: false, sbcDemo: true });
  }, 120_000);
  afterAll(() => t?.stop());

  it("runs Kamailio on loopback: it answers OPTIONS, the portal's SBC status says running, the banner says so", async () => {
    const demo = t.runtime.sbcDemo!;
    expect(demo.state, demo.line).toBe("running");
    const pbxPort = demo.ports!.pbx;
    const answer = await waitFor(
      "Kamailio answering OPTIONS on its PBX-side port",
      async () =>
        sendUdpRequest(pbxPort, (port) =>
          [
            `OPTIONS sip:127.0.0.1:${pbxPort} SIP/2.0`,
            `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${randomUUID().slice(0, 8)}`,
            "Max-Forwards: 70",
            `From: <sip:probe@127.0.0.1>;tag=${randomUUID().slice(0, 8)}`,
            `To: <sip:127.0.0.1:${pbxPort}>`,
            `Call-ID: ${randomUUID()}`,
            "CSeq: 1 OPTIONS",
            "Content-Length: 0",
            "",
            "",
          ].join("\r\n"),
        ),
      30_000,
    );
    expect(answer).toBe("SIP/2.0 200 OK");

    expect(t.deps.config.KAMAILIO_RPC_URL).toBe(`http://127.0.0.1:${demo.ports!.rpc}/RPC`);
    const status = await (await t.deps.sbc.get()).status(randomUUID());
    expect(status.live).toEqual({ configured: true, reachable: true, error: null });
    expect(await startBanner(t.runtime)).toContain(demo.line);
    expect(demo.line).toMatch(
      /^ {2}SBC \(Kamailio\): +running \(test mode\) · PBX side udp:127\.0\.0\.1:\d+/,
    );
  });

  it("without Kamailio on the PATH: not running, the banner prints the apt-get line, the SBC status says not running", async () => {
    const demo = await startSbcDemo({
      config: t.deps.config,
      log: t.deps.log,
      databaseUrl: await sbcDatabaseUrl(t.deps.config, t.deps.db),
      workDir: await mkdtemp(path.join(os.tmpdir(), "sip2teams-sbc-demo-")),
      searchPath: "/usr/bin:/bin",
    });
    expect(demo.state).toBe("not running");
    expect(demo.config).toEqual({});
    expect(SBC_PACKAGES_COMMAND).toMatch(/^sudo apt-get install -y kamailio kamailio-postgres-modules /);
    expect(await startBanner({ ...t.runtime, sbcDemo: demo })).toContain(
      `  SBC (Kamailio):    not running: Kamailio is not installed. Add it with: ${SBC_PACKAGES_COMMAND}`,
    );

    const { KAMAILIO_RPC_URL: _running, ...withoutSbc } = t.deps.config;
    const handle = sbcAdapterHandle({ ...t.deps, config: withoutSbc, notRunning: demo.reason });
    try {
      const status = await (await handle.get()).status(randomUUID());
      expect(status.live.configured).toBe(false);
      expect(status.live.error).toMatch(/^not running: Kamailio is not installed/);
    } finally {
      await handle.close();
    }
  });

  it("stops Kamailio with the portal", async () => {
    const workDir = path.join(t.deps.config.dataDir, "sbc");
    expect(existsSync(path.join(workDir, "kamailio.pid"))).toBe(true);
    await t.stop();
    await waitFor("the pid file gone", async () => !existsSync(path.join(workDir, "kamailio.pid")), 20_000);
    expect(t.runtime.sbcDemo!.state).toBe("running");
  });
});
