import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APP, DEMO_COUNTS, DEMO_TENANTS, PLAN, type StartedEmulator } from "../src/index.js";
import { appToken, CONTOSO, consentDemoApp, graph, startDemo, tokenResponse } from "./helpers.js";

/** A tiny authoritative DNS server answering TXT queries from a map. */
async function startDns(records: Map<string, string[]>): Promise<{ server: string; close: () => void }> {
  const sock = dgram.createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    let off = 12;
    const labels: string[] = [];
    while ((msg[off] ?? 0) !== 0) {
      const len = msg[off] ?? 0;
      labels.push(msg.subarray(off + 1, off + 1 + len).toString());
      off += len + 1;
    }
    off += 1;
    const qtype = msg.readUInt16BE(off);
    off += 4;
    const values = qtype === 16 ? (records.get(labels.join(".").toLowerCase()) ?? []) : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(values.length > 0 ? 0x8580 : 0x8583, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(values.length, 6);
    const answers = values.map((v) => {
      const txt = Buffer.from(v);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(16, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(txt.length + 1, 10);
      return Buffer.concat([rr, Buffer.from([txt.length]), txt]);
    });
    sock.send(Buffer.concat([header, msg.subarray(12, off), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  return { server: `127.0.0.1:${(sock.address() as AddressInfo).port}`, close: () => sock.close() };
}

let emu: StartedEmulator;
beforeAll(async () => {
  emu = await startDemo();
});
afterAll(() => emu?.close());

describe("demo scenario counts", () => {
  it("matches DEMO_COUNTS in both tenants", () => {
    for (const t of Object.values(DEMO_TENANTS)) {
      const tenant = emu.state.requireTenant(t.id);
      const users = [...tenant.users.values()];
      const mcoevEnabled = (u: (typeof users)[number]) =>
        u.plans.get(PLAN.MCOEV.servicePlanId)?.capabilityStatus === "Enabled";
      expect(users).toHaveLength(DEMO_COUNTS.users);
      expect(users.filter((u) => u.accountEnabled)).toHaveLength(DEMO_COUNTS.enabledUsers);
      expect(users.filter((u) => !u.accountEnabled)).toHaveLength(DEMO_COUNTS.disabledUsers);
      expect(users.filter((u) => u.accountEnabled && mcoevEnabled(u))).toHaveLength(
        DEMO_COUNTS.teamsPhoneEligible,
      );
      expect(users.filter((u) => !u.accountEnabled && mcoevEnabled(u))).toHaveLength(
        DEMO_COUNTS.teamsPhoneLicensedDisabled,
      );
      expect(users.filter((u) => u.isResourceAccount)).toHaveLength(DEMO_COUNTS.resourceAccounts);
      expect(users.filter((u) => u.licenses.length === 0)).toHaveLength(DEMO_COUNTS.unlicensed);
      expect(users.filter((u) => !u.usageLocation)).toHaveLength(DEMO_COUNTS.withoutUsageLocation);
      const summary = emu.state.summary(t.id);
      for (const [part, expected] of Object.entries(DEMO_COUNTS.skus)) {
        const sku = summary.skus.find((s) => s.skuPartNumber === part);
        expect({ units: sku?.units, consumed: sku?.consumed }).toEqual(expected);
      }
      const numbers = [...tenant.numbers.values()];
      expect(numbers.filter((n) => n.numberType === "directRouting")).toHaveLength(
        DEMO_COUNTS.numbers.directRouting,
      );
      expect(numbers.filter((n) => n.assignmentTargetId)).toHaveLength(
        DEMO_COUNTS.numbers.directRoutingAssigned,
      );
      expect(numbers.filter((n) => n.numberType === "callingPlan")).toHaveLength(
        DEMO_COUNTS.numbers.callingPlan,
      );
    }
  });
});

describe("DNS, settings, consent revocation, latency and error rate", () => {
  it("verifies a domain against a configured DNS server", async () => {
    consentDemoApp(emu, CONTOSO.id);
    const token = await appToken(emu, CONTOSO.id);
    const records = new Map<string, string[]>();
    const dns = await startDns(records);
    try {
      const set = await fetch(`${emu.url}/_emulator/settings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dnsServer: dns.server }),
      });
      expect(set.status).toBe(200);
      await graph(emu, token, "POST", "/domains", { id: "cust9.carrier.example" });
      const recs = await graph(emu, token, "GET", "/domains/cust9.carrier.example/verificationDnsRecords");
      const txt = recs.body.value.find((r: { recordType: string }) => r.recordType === "Txt").text as string;
      // Published only through the control API: ignored while a DNS server is configured.
      emu.state.publishDnsTxt(CONTOSO.id, "cust9.carrier.example", txt);
      expect((await graph(emu, token, "POST", "/domains/cust9.carrier.example/verify")).status).toBe(400);
      records.set("cust9.carrier.example", ["v=spf1 -all", txt]);
      const ok = await graph(emu, token, "POST", "/domains/cust9.carrier.example/verify");
      expect(ok.status).toBe(200);
      expect(ok.body.isVerified).toBe(true);
    } finally {
      dns.close();
      emu.state.settings.dnsServer = undefined;
    }
  });

  it("revokes consent: new client-credential tokens fail with AADSTS700016", async () => {
    consentDemoApp(emu, CONTOSO.id);
    const del = await fetch(`${emu.url}/_emulator/tenants/contoso/consent/${DEMO_APP.clientId}`, {
      method: "DELETE",
    });
    expect(del.status).toBe(204);
    const r = await tokenResponse(emu, CONTOSO.id, {
      grant_type: "client_credentials",
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret,
      scope: "https://graph.microsoft.com/.default",
    });
    expect(r.body.error_codes).toEqual([700016]);
  });

  it("injects latency and random errors", async () => {
    consentDemoApp(emu, CONTOSO.id);
    const token = await appToken(emu, CONTOSO.id);
    emu.state.setFaults({ latencyMs: 150 });
    const t0 = performance.now();
    expect((await graph(emu, token, "GET", "/organization")).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    emu.state.setFaults({ latencyMs: 0, errorRate: 1, errorStatuses: [504] });
    const failed = await graph(emu, token, "GET", "/organization");
    expect(failed.status).toBe(504);
    expect(failed.body.error.innerError["request-id"]).toBeTruthy();
    emu.state.clearFaults();
    expect((await graph(emu, token, "GET", "/organization")).status).toBe(200);
  });
});
