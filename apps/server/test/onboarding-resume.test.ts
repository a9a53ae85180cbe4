import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  DEMO_PASSWORDS,
  DEMO_TENANTS,
  demoScenario,
  type StartedEmulator,
  startM365Emulator,
} from "@sip2teams/m365-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDirectRoutingSetup } from "../src/modules/direct-routing-setup/service.js";
import { trustExtraCa } from "../src/modules/microsoft/trust.js";
import { freshDatabaseUrl } from "./support/database.js";
import type { createAccountTree, SignedInUser } from "./support/factories.js";
import {
  apiRequests,
  clearFaults,
  configuredOperatorAndPartner,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
  setFaults,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor as waitUntil } from "./support/wait-for.js";

const { contoso, fabrikam } = DEMO_TENANTS;

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | null | false>) =>
  waitUntil(what, probe, { timeoutMs: 60_000, intervalMs: 250 });

describe("Direct Routing setup: crash-resume, manual DNS, licence exhaustion", () => {
  let emulator: StartedEmulator;
  let databaseUrl: string;
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let operatorAdmin: SignedInUser;
  let partnerUser: SignedInUser;
  let regions: string[];

  beforeAll(async () => {
    // The demo scenario, with every seat of fabrikam's licences that include Teams (SPE_E5) taken.
    const scenario = demoScenario();
    const fab = scenario.tenants!.find((x) => x.id === fabrikam.id)!;
    fab.skus = fab.skus!.map((s) => (s.skuPartNumber === "SPE_E5" ? { ...s, units: 9 } : s));
    emulator = await startM365Emulator({
      dataDir: await mkdtemp(path.join(os.tmpdir(), "sip2teams-test-m365-")),
      scenario,
      // Microsoft's delays off: this file is about resuming, not waiting (onboarding-waiting covers that).
      timeFactor: 0,
    });
    trustExtraCa(emulator.caCertPem);
    databaseUrl = await freshDatabaseUrl();
    t = await startTestApp({ ...emulatorEnv(emulator), DATABASE_URL: databaseUrl });
    ({ tree, operatorAdmin, partnerUser, regions } = await configuredOperatorAndPartner(t));
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  const setupOf = async (id: string) =>
    (
      await t.app.inject({ url: `/api/accounts/${id}/direct-routing-setup`, headers: partnerUser.headers })
    ).json();

  it("resumes after the runtime stops mid-job and completes every step once", async () => {
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "resume");
    // Creating the activation user keeps failing, so the job is stuck half-way when the runtime stops.
    await setFaults(emulator, {
      rules: [
        { pathPattern: "/graph/v1.0/users", method: "POST", tenantId: contoso.id, status: 503, count: 1000 },
      ],
    });
    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${id}/microsoft/connect`,
      headers: partnerUser.headers,
    });
    await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${contoso.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    await waitFor("the job to reach the activation user", async () => {
      const step = (await setupOf(id)).steps.find((s: { key: string }) => s.key === "activation-user");
      return step?.lastError ? step : null;
    });
    const before = await setupOf(id);
    expect(
      before.steps.filter((s: { status: string }) => s.status === "done").map((s: { key: string }) => s.key),
    ).toEqual(["role", "domain", "txt", "dns", "verify", "trunk-dns"]);
    await t.stop();
    await clearFaults(emulator);

    t = await startTestApp({ ...emulatorEnv(emulator), DATABASE_URL: databaseUrl });
    const done = await waitFor("the resumed setup", async () => {
      const view = await setupOf(id);
      if (view.status === "failed") throw new Error(JSON.stringify(view));
      return view.status === "completed" ? view : null;
    });
    expect(done.steps.every((s: { status: string }) => s.status === "done")).toBe(true);
    const writes = (await apiRequests(emulator, contoso.id))
      .filter((l) => l.method !== "GET" && l.status < 400)
      .map(
        (l) => `${l.method} ${l.path.replace(/\/users\/[^/]+\/assignLicense/, "/users/{id}/assignLicense")}`,
      );
    // Every write succeeded exactly once (the two voice routes and policies are two objects each).
    const once = writes.filter((w) => !/OnlineVoiceRout(e|ingPolicy)$/.test(w));
    expect(new Set(once).size).toBe(once.length);
    expect(writes.filter((w) => w === "POST /graph/v1.0/users")).toHaveLength(1);
    expect(writes.filter((w) => w === "POST /graph/v1.0/domains")).toHaveLength(1);
  }, 90_000);

  it("stops with a clear error, saying what to buy, when no licence that includes Teams is free", async () => {
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "nolicence");
    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${id}/microsoft/connect`,
      headers: partnerUser.headers,
    });
    await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${fabrikam.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    const failed = await waitFor("the failed setup", async () => {
      const view = await setupOf(id);
      return view.status === "failed" ? view : null;
    });
    const licence = failed.steps.find((s: { key: string }) => s.key === "licence");
    expect(licence.status).toBe("failed");
    expect(licence.lastError).toContain(
      "No free licence that includes Teams in the tenant (Microsoft_Teams_Enterprise_New, SPE_E5: all assigned)",
    );
    expect(licence.lastError).toMatch(/buy one seat of Microsoft 365 E3\/E5, Office 365 E1\/E3\/E5/);
    expect(failed.lastError).toContain("licence that includes Teams");
    const dashboard = (
      await t.app.inject({ url: `/api/accounts/${tree.partner.id}/dashboard`, headers: partnerUser.headers })
    ).json();
    expect(dashboard.actionItems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ title: "Direct Routing setup failed", href: `/enterprises/${id}` }),
      ]),
    );
  });

  it("with manual DNS, waits for the operator's record, then Verify completes the setup", async () => {
    // fabrikam buys one more seat of a licence that includes Teams for this trunk's activation user.
    emulator.state.requireTenant(fabrikam.id).skus.find((s) => s.skuPartNumber === "SPE_E5")!.units = 10;
    await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.operator.id}/operator-settings`,
      headers: operatorAdmin.headers,
      payload: {
        sbcBaseDomain: "customers.sbc.example.net",
        portalDisplayName: null,
        publisher: null,
        appClientId: null,
        loginUrl: null,
        graphUrl: null,
        teamsAdminUrl: null,
        teamsPhoneSkuId: "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
        dnsAdapter: "manual",
        trunkRecordType: "address",
        trunkRecordAddresses: ["203.0.113.10"],
      },
    });
    // Reuse the fabrikam tenant: disconnect the failed enterprise first.
    const items = (
      await t.app.inject({
        url: `/api/accounts/${tree.partner.id}/enterprises?search=nolicence`,
        headers: partnerUser.headers,
      })
    ).json();
    await t.app.inject({
      method: "POST",
      url: `/api/accounts/${items.items[0].id}/microsoft/disconnect`,
      headers: partnerUser.headers,
    });
    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "manualdns");
    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${id}/microsoft/connect`,
      headers: partnerUser.headers,
    });
    await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${fabrikam.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    const waiting = await waitFor("the DNS step to wait", async () => {
      const view = await setupOf(id);
      if (view.status === "completed" || view.status === "failed") throw new Error(JSON.stringify(view));
      return view.status === "waiting" ? view : null;
    });
    const dns = waiting.steps.find((s: { key: string }) => s.key === "dns");
    expect(dns.status).toBe("waiting");
    expect(dns.txtRecord.value).toMatch(/^MS=ms\d+/);
    const dashboard = (
      await t.app.inject({ url: `/api/accounts/${tree.partner.id}/dashboard`, headers: partnerUser.headers })
    ).json();
    expect(dashboard.actionItems).toEqual(
      expect.arrayContaining([expect.objectContaining({ title: "DNS record to publish" })]),
    );

    // A scheduled re-check that a newer one superseded does nothing (one re-check chain at a time).
    const calls = (await apiRequests(emulator, fabrikam.id)).length;
    await expect(runDirectRoutingSetup(t.deps, id)).resolves.toBe("waiting");
    expect((await apiRequests(emulator, fabrikam.id)).length).toBe(calls);

    // The operator publishes the record, then clicks Verify.
    await fetch(`${emulator.url}/_emulator/tenants/${fabrikam.id}/dns`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: dns.txtRecord.name, value: dns.txtRecord.value }),
    });
    const verify = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${id}/direct-routing-setup/verify-dns`,
      headers: partnerUser.headers,
    });
    expect(verify.statusCode).toBe(202);
    const done = await waitFor("the verified setup", async () => {
      const view = await setupOf(id);
      if (view.status === "failed") throw new Error(JSON.stringify(view));
      return view.status === "completed" ? view : null;
    });
    expect(done.steps.every((s: { status: string }) => s.status === "done")).toBe(true);
    // After verification, the derived trunk FQDN → SBC record: manual DNS shows exactly what to add.
    const trunkDns = done.steps.find((s: { key: string }) => s.key === "trunk-dns");
    expect(trunkDns.dnsRecords.records).toEqual([
      {
        name: "manualdns.customers.sbc.example.net",
        type: "A",
        value: "203.0.113.10",
        ttl: expect.any(Number),
      },
    ]);
  }, 90_000);
});
