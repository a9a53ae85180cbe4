import { execFileSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
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
import { trustExtraCa } from "../src/modules/microsoft/trust.js";
import type { createAccountTree, SignedInUser } from "./support/factories.js";
import {
  configuredOperatorAndPartner,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

/** A certificate credential instead of the client secret: tokens and the sign-in use signed client assertions. */
describe("Microsoft app registration with a certificate", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let operatorAdmin: SignedInUser;
  let partnerUser: SignedInUser;
  let regions: string[];
  let certificatePem: string;
  let privateKeyPem: string;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-test-cert-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=sip2teams-app",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    certificatePem = await readFile(path.join(dir, "cert.pem"), "utf8");
    privateKeyPem = await readFile(path.join(dir, "key.pem"), "utf8");
    const scenario = demoScenario();
    scenario.apps![0]!.certificates = [certificatePem];
    emulator = await startM365Emulator({ dataDir: dir, scenario, timeFactor: 0 });
    trustExtraCa(emulator.caCertPem);
    // A wrong secret in the environment: only the certificate can work.
    t = await startTestApp({ ...emulatorEnv(emulator), MICROSOFT_CLIENT_SECRET: "not-the-secret" });
    ({ tree, operatorAdmin, partnerUser, regions } = await configuredOperatorAndPartner(t));
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  const settings = (extra: Record<string, unknown>) => ({
    sbcBaseDomain: "customers.sbc.example.net",
    portalDisplayName: null,
    publisher: null,
    appClientId: null,
    loginUrl: null,
    graphUrl: null,
    teamsAdminUrl: null,
    teamsPhoneSkuId: null,
    dnsAdapter: "emulator",
    ...extra,
  });

  it("refuses a key that does not belong to the certificate", async () => {
    const { privateKey } = await import("node:crypto").then((c) =>
      c.generateKeyPairSync("rsa", { modulusLength: 2048 }),
    );
    const response = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.operator.id}/operator-settings`,
      headers: operatorAdmin.headers,
      payload: settings({
        appCertificatePem: certificatePem,
        appPrivateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }),
      }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { field: "appPrivateKeyPem", message: "This private key does not belong to the certificate." },
    ]);
  });

  it("connects and sets up the tenant with the certificate; the key is never returned", async () => {
    const saved = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.operator.id}/operator-settings`,
      headers: operatorAdmin.headers,
      payload: settings({ appCertificatePem: certificatePem, appPrivateKeyPem: privateKeyPem }),
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().appCertificate.subject).toContain("sip2teams-app");
    expect(saved.body).not.toContain("PRIVATE KEY");

    const id = await onboardEnterprise(t, tree.partner, partnerUser, regions, "certified");
    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${id}/microsoft/connect`,
      headers: partnerUser.headers,
    });
    const landing = await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${DEMO_TENANTS.contoso.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    const result = (
      await t.app.inject({ url: `/api/microsoft/consent-flows/${landing.split("/").pop()}` })
    ).json();
    expect(result).toMatchObject({ outcome: "connected", tenantDomain: DEMO_TENANTS.contoso.domain });
    const deadline = Date.now() + 40_000;
    for (;;) {
      const view = (
        await t.app.inject({ url: `/api/accounts/${id}/direct-routing-setup`, headers: partnerUser.headers })
      ).json();
      if (view.status === "completed") break;
      if (view.status === "failed" || Date.now() > deadline) throw new Error(JSON.stringify(view));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
});
