import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { manualDns } from "../src/modules/direct-routing-setup/dns/manual.js";
import { trunkRecordSets } from "../src/modules/direct-routing-setup/dns/records.js";
import { dnsAdapterFor, publishTrunkRecord } from "../src/modules/direct-routing-setup/dns.js";
import { operatorSettings } from "../src/modules/operator-settings/schema.js";
import { effectiveOperatorSettings } from "../src/modules/operator-settings/service.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { type Named, startNamed } from "./support/named.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

/** Operator settings for DNS: choosing RFC 2136, its per-field validation, the sealed secret and the Test API. */

let t: TestApp;
let named: Named;
let tree: Awaited<ReturnType<typeof createAccountTree>>;
let admin: SignedInUser;

const base = {
  sbcBaseDomain: null as string | null,
  portalDisplayName: null,
  publisher: null,
  appClientId: null,
  loginUrl: null,
  graphUrl: null,
  teamsAdminUrl: null,
  teamsPhoneSkuId: null,
  dnsAdapter: null,
};

beforeAll(async () => {
  [t, named] = await Promise.all([startTestApp({}, { workers: false }), startNamed()]);
  tree = await createAccountTree(t.deps.db);
  admin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
});

afterAll(async () => {
  await named?.stop();
  await t?.stop();
});

function put(payload: Record<string, unknown>, user = admin) {
  return t.app.inject({
    method: "PUT",
    url: `/api/accounts/${tree.operator.id}/operator-settings`,
    headers: user.headers,
    payload: { ...base, ...payload },
  });
}

function rfc2136(overrides: Record<string, unknown> = {}) {
  return {
    dnsAdapter: "rfc2136",
    sbcBaseDomain: named.zone,
    dnsServer: "127.0.0.1",
    dnsPort: named.port,
    dnsZone: named.zone,
    dnsTsigKeyName: named.key.name,
    dnsTsigAlgorithm: "hmac-sha256",
    dnsTsigSecret: named.key.secret,
    ...overrides,
  };
}

const fields = (body: string) =>
  (JSON.parse(body).errors as { field: string; message: string }[]).map((e) => e.field).sort();

describe("DNS operator settings", () => {
  it("RFC 2136 without its fields answers 400 naming each missing field, and writes nothing", async () => {
    const response = await put({ dnsAdapter: "rfc2136" });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(fields(response.body)).toEqual(["dnsServer", "dnsTsigKeyName", "dnsTsigSecret", "dnsZone"]);
    expect(await t.deps.db.select().from(operatorSettings)).toEqual([]);
  });

  it("bad values answer one message per field", async () => {
    const response = await put(
      rfc2136({
        dnsServer: "not a host",
        dnsPort: 70000,
        dnsZone: "elsewhere.example",
        dnsTsigKeyName: "bad key",
        dnsTsigSecret: "not base64!",
        trunkRecordType: "address",
        trunkRecordAddresses: ["192.0.2.1", "999.1.1.1"],
      }),
    );
    expect(response.statusCode).toBe(400);
    const errors = JSON.parse(response.body).errors as { field: string; message: string }[];
    expect(errors.map((e) => e.field).sort()).toEqual([
      "dnsPort",
      "dnsServer",
      "dnsTsigKeyName",
      "dnsTsigSecret",
      "dnsZone",
      "trunkRecordAddresses.1",
    ]);
    expect(errors.find((e) => e.field === "dnsZone")!.message).toMatch(
      /is not inside zone elsewhere\.example/,
    );

    const cname = await put({ trunkRecordType: "CNAME", trunkRecordCname: null });
    expect(cname.statusCode).toBe(400);
    expect(fields(cname.body)).toEqual(["trunkRecordCname"]);
  });

  it("saves RFC 2136 with the secret sealed, never returned nor audited in clear", async () => {
    const response = await put(
      rfc2136({ trunkRecordType: "address", trunkRecordAddresses: ["192.0.2.10", "2001:db8::10"] }),
    );
    expect(response.statusCode).toBe(200);
    const view = response.json();
    expect(view).toMatchObject({
      dnsAdapter: "rfc2136",
      dnsServer: "127.0.0.1",
      dnsPort: named.port,
      dnsZone: named.zone,
      dnsTsigKeyName: named.key.name,
      dnsTsigAlgorithm: "hmac-sha256",
      dnsTsigSecretSet: true,
      trunkRecordType: "address",
      trunkRecordAddresses: ["192.0.2.10", "2001:db8::10"],
      effective: { dnsAdapter: "rfc2136" },
    });
    expect(response.body).not.toContain(named.key.secret);
    const [row] = await t.deps.db.select().from(operatorSettings);
    expect(row!.dnsTsigSecretSealed).toMatch(/^v1\./);
    expect(row!.dnsTsigSecretSealed).not.toContain(named.key.secret);
    const audits = await t.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "operator-settings.update"));
    expect(JSON.stringify(audits)).not.toContain(named.key.secret);
    expect(JSON.stringify(t.logs)).not.toContain(named.key.secret);

    // Saving again without a secret keeps the stored one.
    const again = await put(
      rfc2136({ dnsTsigSecret: undefined, trunkRecordType: "CNAME", trunkRecordCname: "sbc.example.net" }),
    );
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      dnsTsigSecretSet: true,
      trunkRecordType: "CNAME",
      trunkRecordAddresses: [],
    });
  });

  it("the settings resolve to an adapter that publishes the derived-trunk record in the real zone", async () => {
    expect(
      (await put(rfc2136({ trunkRecordType: "address", trunkRecordAddresses: ["192.0.2.77"] }))).statusCode,
    ).toBe(200);
    const settings = await effectiveOperatorSettings(t.deps);
    expect(settings.trunkRecord).toEqual({ type: "address", addresses: ["192.0.2.77"] });
    const dns = dnsAdapterFor(settings.dnsAdapter, settings.microsoft);
    expect(dns.kind).toBe("rfc2136");
    const fqdn = `acme.${named.zone}`;
    expect(await publishTrunkRecord(dns, "tenant", fqdn, settings.trunkRecord!)).toEqual({ applied: true });
    expect(await named.dig("A", fqdn)).toEqual(["192.0.2.77"]);
  });

  it("the manual adapter answers exactly which records to add", async () => {
    const change = await publishTrunkRecord(manualDns, "tenant", "Acme.customers.sbc.example.net.", {
      type: "address",
      addresses: ["192.0.2.10", "2001:db8::10"],
    });
    expect(change).toEqual({
      applied: false,
      operatorMust: "add",
      records: [
        { name: "acme.customers.sbc.example.net", type: "A", value: "192.0.2.10", ttl: 3600 },
        { name: "acme.customers.sbc.example.net", type: "AAAA", value: "2001:db8::10", ttl: 3600 },
      ],
    });
    expect(trunkRecordSets("x.example.net", { type: "CNAME", target: "SBC.example.net." })).toEqual([
      { name: "x.example.net", type: "CNAME", ttl: 3600, values: ["sbc.example.net"] },
    ]);
  });

  it("Test adds and deletes a _sip2teams-check record, using the stored secret when none is typed", async () => {
    const url = `/api/accounts/${tree.operator.id}/operator-settings/dns-test`;
    const { dnsAdapter: _, sbcBaseDomain: __, dnsTsigSecret: ___, ...candidate } = rfc2136();
    const ok = await t.app.inject({ method: "POST", url, headers: admin.headers, payload: candidate });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({
      ok: true,
      code: null,
      message: `Added and deleted the TXT record _sip2teams-check.${named.zone} through 127.0.0.1:${named.port}.`,
    });

    const wrong = await t.app.inject({
      method: "POST",
      url,
      headers: admin.headers,
      payload: { ...candidate, dnsTsigSecret: Buffer.alloc(32, 9).toString("base64") },
    });
    expect(wrong.json()).toMatchObject({ ok: false, code: "BADSIG" });
    expect(wrong.json().message).toMatch(/rejected the TSIG signature \(BADSIG\)/);

    const invalid = await t.app.inject({
      method: "POST",
      url,
      headers: admin.headers,
      payload: { dnsServer: "" },
    });
    expect(invalid.statusCode).toBe(400);
    expect(fields(invalid.body)).toEqual(["dnsServer", "dnsTsigKeyName", "dnsZone"]);
  });

  it("only an operator Admin may test or change DNS settings", async () => {
    const partner = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const response = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.partner.id}/operator-settings/dns-test`,
      headers: partner.headers,
      payload: {},
    });
    expect(response.statusCode).toBe(403);
  });
});
