import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { DEMO_PASSWORDS, DEMO_TENANTS, type StartedEmulator } from "../src/index.js";
import { newRsaKeyPem, selfSignedCertFor } from "../src/tls/ca.js";
import {
  claimsOf,
  FormBrowser,
  graph,
  REDIRECT_URI,
  signInAndConsent,
  startDemo,
  trustCa,
} from "./helpers.js";

const TENANT = "11111111-2222-3333-4444-555555555555";
const CLIENT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const key = newRsaKeyPem();
const certPem = selfSignedCertFor(key.privateKeyPem, key.publicKeyPem, "sip2teams-test-app");

let emu: StartedEmulator;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "m365-emulator-scenario-"));
  const file = join(dir, "scenario.yaml");
  writeFileSync(
    file,
    YAML.stringify({
      name: "yaml-test",
      settings: { faults: { rules: [{ pathPattern: "/organization", count: 1, status: 503 }] } },
      apps: [
        {
          clientId: CLIENT,
          displayName: "Cert App",
          publisher: "Example Ltd",
          certificates: [certPem],
          redirectUris: ["http://localhost/cb"],
          applicationPermissions: ["User.Read.All"],
        },
      ],
      tenants: [
        {
          id: TENANT,
          name: "northwind",
          domains: ["northwind.example"],
          skus: [{ skuPartNumber: "MCOEV", units: 2 }],
          users: [
            {
              userPrincipalName: "boss@northwind.example",
              password: "Boss-1!",
              directoryRoles: ["Global Administrator"],
            },
            { userPrincipalName: "ann@northwind.example", usageLocation: "DE", licenses: ["MCOEV"] },
          ],
          generateUsers: { count: 24 },
          consents: [{ clientId: CLIENT }],
        },
      ],
    }),
  );
  emu = await startDemo(file);
});
afterAll(() => emu?.close());

describe("scenario files and certificate credentials", () => {
  it("loads a YAML scenario (users, generated users, SKUs raised to fit)", () => {
    const t = emu.state.requireTenant("northwind");
    expect(t.users.size).toBe(26);
    expect(t.skus[0]?.units).toBeGreaterThanOrEqual(1 + 11);
  });

  it("accepts a certificate client assertion from msal-node", async () => {
    const x509 = new (await import("node:crypto")).X509Certificate(certPem);
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: CLIENT,
        authority: `${emu.url}/${TENANT}`,
        knownAuthorities: [`localhost:${new URL(emu.url).port}`],
        clientCertificate: {
          thumbprintSha256: createHash("sha256").update(x509.raw).digest("hex"),
          privateKey: key.privateKeyPem,
        },
      },
    });
    const r = await cca.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
    expect(claimsOf(r?.accessToken ?? "")).toMatchObject({
      appidacr: "2",
      roles: ["User.Read.All"],
      tid: TENANT,
    });
    const annId = [...emu.state.requireTenant(TENANT).users.keys()][1];
    const delta = await graph(
      emu,
      r?.accessToken ?? "",
      "GET",
      `/users/delta?$filter=${encodeURIComponent(`id eq '${annId}'`)}`,
    );
    expect(delta.body.value).toHaveLength(1);
    // The scenario's own fault rule fails the first /organization call only.
    expect((await graph(emu, r?.accessToken ?? "", "GET", "/organization")).status).toBe(503);
    expect((await graph(emu, r?.accessToken ?? "", "GET", "/organization")).status).toBe(403);
    expect(delta.body.value[0].userPrincipalName).toBe("ann@northwind.example");
  });

  it("answers unknown tenants with AADSTS90002 and serves multi-tenant discovery documents", async () => {
    const bad = await fetch(`${emu.url}/nowhere.example/v2.0/.well-known/openid-configuration`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
    const orgs = (await (
      await fetch(`${emu.url}/organizations/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(orgs.issuer).toBe(`${emu.url}/{tenantid}/v2.0`);
    expect(orgs.token_endpoint).toBe(`${emu.url}/organizations/oauth2/v2.0/token`);
    const byDomain = (await (
      await fetch(`${emu.url}/northwind.example/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(byDomain.issuer).toBe(`${emu.url}/${TENANT}/v2.0`);
    // The v1 document names the v1 issuer, as Microsoft's does.
    const v1 = (await (
      await fetch(`${emu.url}/northwind.example/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(v1.issuer).toBe(`https://sts.windows.net/${TENANT}/`);
    const instance = (await (
      await fetch(`${emu.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=x`)
    ).json()) as { metadata: { aliases: string[] }[] };
    expect(instance.metadata[0]?.aliases).toEqual([new URL(emu.url).host]);
  });
});

describe("demo via the organizations authority and the CLI", () => {
  let demo: StartedEmulator;
  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  it("signs a demo admin in through /organizations with msal-node", async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: "5e1a7c2b-0d3f-4a6e-9b1c-2f8d4e6a0b01",
        clientSecret: "emulator-demo-secret",
        authority: `${demo.url}/organizations`,
        knownAuthorities: [`localhost:${new URL(demo.url).port}`],
      },
    });
    const url = await cca.getAuthCodeUrl({
      scopes: ["openid", "profile"],
      redirectUri: REDIRECT_URI,
      prompt: "login",
    });
    const browser = new FormBrowser(demo.url);
    const res = await signInAndConsent(browser, url, "admin@contoso.example", DEMO_PASSWORDS.admin);
    const code = res.redirect?.searchParams.get("code") ?? "";
    expect(code).toBeTruthy();
    const tokens = await cca.acquireTokenByCode({
      code,
      scopes: ["openid", "profile"],
      redirectUri: REDIRECT_URI,
    });
    expect(tokens.idTokenClaims).toMatchObject({
      tid: DEMO_TENANTS.contoso.id,
      preferred_username: "admin@contoso.example",
    });
    expect(tokens.tenantId).toBe(DEMO_TENANTS.contoso.id);
  });

  it("starts alone with the CLI and prints its URL and CA", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "m365-emulator-cli-"));
    const bin = fileURLToPath(new URL("../bin/m365-emulator.js", import.meta.url));
    const child = spawn(process.execPath, [bin, "--scenario", "demo", "--data-dir", dataDir, "--json"], {
      env: { ...process.env, M365_EMULATOR_SOURCE: "1" },
    });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", (c) => reject(new Error(`exited ${c}`)));
      });
      const info = JSON.parse(first) as { url: string; caCertPath: string; tenants: { users: number }[] };
      expect(info.caCertPath).toBe(join(dataDir, "emulator-ca.pem"));
      expect(info.tenants.map((t) => t.users)).toEqual([50, 50]);
      const { readFileSync } = await import("node:fs");
      trustCa(readFileSync(info.caCertPath, "utf8"));
      const res = await fetch(
        `${info.url}/${DEMO_TENANTS.fabrikam.domain}/v2.0/.well-known/openid-configuration`,
      );
      expect(res.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
