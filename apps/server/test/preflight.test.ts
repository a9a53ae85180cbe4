import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_PASSWORDS, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trunkRecordSets } from "../src/modules/direct-routing-setup/dns/records.js";
import { rfc2136Dns } from "../src/modules/direct-routing-setup/dns/rfc2136/adapter.js";
import { tokenClaims } from "../src/modules/microsoft/graph-client.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { type Named, startNamed } from "./support/named.js";
import {
  configureOperator,
  connectAsGlobalAdmin,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
  startEmulator,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor as waitUntil } from "./support/wait-for.js";

const CUSTOMER = DEMO_TENANTS.contoso;
const CARRIER = DEMO_TENANTS.fabrikam;
const BASE = "customers.sbc.example.net";
const FQDN = `contoso.${BASE}`;
const SBC_ADDRESS = "192.0.2.10";
/** Microsoft 365 E5: a licence that includes Teams, so the activation account activates the subdomain. */
const SPE_E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | null | false>) =>
  waitUntil(what, probe, { timeoutMs: 60_000, intervalMs: 200 });

interface Line {
  id: string;
  status: string;
  detail: string;
  fix: string | null;
}

describe("Preflight: the enterprise's tenant health check", () => {
  let emulator: StartedEmulator;
  let named: Named;
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let operatorAdmin: SignedInUser;
  let partnerUser: SignedInUser;
  let enterpriseId: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    named = await startNamed(BASE);
    t = await startTestApp({ ...emulatorEnv(emulator), PREFLIGHT_DNS_SERVERS: `127.0.0.1:${named.port}` });
    tree = await createAccountTree(t.deps.db);
    operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerUser = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const regions = await configureOperator(t, tree.operator, operatorAdmin);
    const settings = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.operator.id}/operator-settings`,
      headers: operatorAdmin.headers,
      payload: {
        sbcBaseDomain: BASE,
        portalDisplayName: "Orchid Collab Portal",
        publisher: "Orchid Collab",
        appClientId: null,
        loginUrl: null,
        graphUrl: null,
        teamsAdminUrl: null,
        teamsPhoneSkuId: SPE_E5,
        dnsAdapter: "emulator",
        trunkRecordType: "address",
        trunkRecordAddresses: [SBC_ADDRESS],
      },
    });
    expect(settings.statusCode, settings.body).toBe(200);

    // The carrier's own tenant and its base-domain trunk.
    const carrier = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.operator.id}/carrier-trunk/connect`,
      headers: operatorAdmin.headers,
    });
    await playConsent(t, emulator, carrier.json().authorizeUrl, {
      login: `admin@${CARRIER.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    await waitFor("carrier trunk ready", async () => {
      const view = await t.app.inject({
        url: `/api/accounts/${tree.operator.id}/carrier-trunk`,
        headers: operatorAdmin.headers,
      });
      if (view.json().state === "failed") throw new Error(view.body);
      return view.json().state === "ready";
    });

    // The enterprise, connected and set up.
    enterpriseId = await onboardEnterprise(t, tree.partner, partnerUser, regions, "contoso");
    await connectAsGlobalAdmin(t, emulator, enterpriseId, partnerUser, CUSTOMER);
    await waitFor("setup completed", async () => {
      const view = await t.app.inject({
        url: `/api/accounts/${enterpriseId}/direct-routing-setup`,
        headers: partnerUser.headers,
      });
      if (view.json().status === "failed") throw new Error(view.body);
      return view.json().status === "completed";
    });
    // The derived-trunk record, as the operator's DNS would hold it.
    const change = await rfc2136Dns({
      server: "127.0.0.1",
      port: named.port,
      zone: BASE,
      keyName: named.key.name,
      algorithm: named.key.algorithm,
      secret: named.key.secret,
    }).upsert(CUSTOMER.id, trunkRecordSets(FQDN, { type: "address", addresses: [SBC_ADDRESS] }));
    expect(change).toEqual({ applied: true });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await named?.stop();
    await emulator?.close();
  });

  const preflight = async (): Promise<Map<string, Line>> => {
    const response = await t.app.inject({
      url: `/api/accounts/${enterpriseId}/preflight`,
      headers: partnerUser.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return new Map((response.json().lines as Line[]).map((l) => [l.id, l]));
  };

  const graph = async (method: string, path: string, body?: unknown) => {
    const token = await t.deps.microsoft.tokens.get(CUSTOMER.id, "graph");
    const response = await fetch(`${emulator.graphUrl}/v1.0${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? null : response.json();
  };

  it("a connected, fully set-up enterprise: every Microsoft, DNS and carrier line is OK", async () => {
    const lines = await preflight();
    expect([...lines.keys()]).toEqual([
      "consent",
      "teams-administrator",
      "domain",
      "activation-account",
      "carrier-trunk",
      "derived-trunk",
      "dns",
      "sbc-options",
      "pstn-usage",
      "voice-routes",
      "voice-routing-policies",
      "dial-plan",
    ]);
    for (const [id, line] of lines) {
      // No SBC runs in this test: its OPTIONS state is honestly unknown, with the reason.
      if (id === "sbc-options") {
        expect(line.status).toBe("unknown");
        expect(line.detail).toMatch(/cannot be read/);
        continue;
      }
      expect(line, id).toMatchObject({ status: "ok", fix: null });
    }
    expect(lines.get("dns")!.detail).toContain(SBC_ADDRESS);
  });

  it("a deleted voice route, an unlicensed activation account and a removed role fail their lines with reasons", async () => {
    await (await t.deps.microsoft.tenant(CUSTOMER.id)).teamsPowerShell.run("Remove-CsOnlineVoiceRoute", {
      Identity: "s2t-contoso-US-West",
    });
    const activation = (await graph("GET", `/users/${encodeURIComponent(`teams-activation@${FQDN}`)}`)) as {
      id: string;
    };
    await graph("POST", `/users/${activation.id}/assignLicense`, {
      addLicenses: [],
      removeLicenses: [SPE_E5],
    });

    let lines = await preflight();
    expect(lines.get("voice-routes")).toMatchObject({
      status: "failed",
      detail: expect.stringContaining("s2t-contoso-US-West"),
    });
    expect(lines.get("voice-routes")!.fix).toMatch(/setup/i);
    expect(lines.get("activation-account")).toMatchObject({
      status: "failed",
      detail: expect.stringContaining("no licence"),
    });
    expect(lines.get("activation-account")!.fix).toMatch(/licence that includes Teams/);
    expect(lines.get("voice-routing-policies")!.status).toBe("ok");
    expect(lines.get("consent")!.status).toBe("ok");

    // The app's service principal is its token's oid (listing servicePrincipals needs Application.Read.All).
    const sp = {
      value: [{ id: tokenClaims(await t.deps.microsoft.tokens.get(CUSTOMER.id, "graph")).oid! }],
    };
    const roles = (await graph(
      "GET",
      `/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${sp.value[0]!.id}'`)}`,
    )) as { value: { id: string; roleDefinitionId: string }[] };
    for (const role of roles.value)
      await graph("DELETE", `/roleManagement/directory/roleAssignments/${role.id}`);

    lines = await preflight();
    expect(lines.get("teams-administrator")).toMatchObject({
      status: "failed",
      detail: expect.stringContaining("does not hold the Teams Administrator role"),
    });
    expect(lines.get("teams-administrator")!.fix).toBeTruthy();
  });
});
