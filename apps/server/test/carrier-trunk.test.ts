import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_PASSWORDS, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { configureOperator, emulatorEnv, playConsent, startEmulator } from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor as waitUntil } from "./support/wait-for.js";

const CARRIER = DEMO_TENANTS.fabrikam;
const BASE = "customers.sbc.example.net";

interface LoggedCall {
  path: string;
  surface: string;
  body: { cmdlet?: string; parameters?: Record<string, unknown> } | null;
}

/** The PSTN gateway cmdlets run in the carrier tenant, in order. */
async function gatewayCmdlets(emulator: StartedEmulator) {
  const response = await fetch(`${emulator.url}/_emulator/tenants/${CARRIER.id}/requests`);
  const body = (await response.json()) as LoggedCall[] | { requests: LoggedCall[] };
  const lines = Array.isArray(body) ? body : body.requests;
  return lines
    .filter((l) => l.surface === "pwsh" && /PSTNGateway/i.test(l.body?.cmdlet ?? ""))
    .map((l) => ({ cmdlet: l.body!.cmdlet!, parameters: l.body!.parameters ?? {} }));
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | null | false>) =>
  waitUntil(what, probe, { timeoutMs: 60_000, intervalMs: 200 });

describe("Carrier trunk: the carrier's own tenant and its base-domain PSTN gateway", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let admin: SignedInUser;

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestApp(emulatorEnv(emulator));
    tree = await createAccountTree(t.deps.db);
    admin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    await configureOperator(t, tree.operator, admin);
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  const view = async () =>
    (
      await t.app.inject({ url: `/api/accounts/${tree.operator.id}/carrier-trunk`, headers: admin.headers })
    ).json();
  /** Waits until an apply that finished after `after` is shown. */
  const settled = (after: number) =>
    waitFor("carrier trunk applied", async () => {
      const body = await view();
      if (body.state === "failed") throw new Error(JSON.stringify(body));
      return body.state === "ready" && body.appliedAt && Date.parse(body.appliedAt) > after ? body : null;
    });

  it("shows not connected, refuses bad parameters per field, and connects by admin consent", async () => {
    expect(await view()).toMatchObject({ state: "not-connected", fqdn: BASE, tenantId: null });
    const bad = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.operator.id}/carrier-trunk`,
      headers: admin.headers,
      payload: { sipSignalingPort: 70000, maxConcurrentSessions: 0 },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(["maxConcurrentSessions", "sipSignalingPort"]);
    const saved = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.operator.id}/carrier-trunk`,
      headers: admin.headers,
      payload: { sipSignalingPort: 5061, maxConcurrentSessions: 200 },
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ state: "not-connected", maxConcurrentSessions: 200 });

    // Microsoft's tokens carry a newly assigned directory role only after a delay (here 3 s).
    const delays = await fetch(`${emulator.url}/_emulator/settings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rolePropagationMs: 3000, timeFactor: 1 }),
    });
    expect(delays.ok).toBe(true);
    const before = Date.now();
    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.operator.id}/carrier-trunk/connect`,
      headers: admin.headers,
    });
    expect(connect.statusCode).toBe(200);
    const landing = await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${CARRIER.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    expect(landing).toMatch(/^\/microsoft\/result\//);
    // Waiting for the role is a state with its reason, not a failure; it resolves on its own.
    const waiting = await waitFor("waiting for the role", async () => {
      const body = await view();
      if (body.state === "failed") throw new Error(JSON.stringify(body));
      return body.state === "configuring" && /Waiting for Microsoft/.test(body.error ?? "") ? body : null;
    });
    expect(waiting.error).toMatch(/Teams Administrator role/);
    const ready = await settled(before);
    expect(ready).toMatchObject({ tenantId: CARRIER.id, tenantDomain: CARRIER.domain, error: null });

    expect(await gatewayCmdlets(emulator)).toEqual([
      { cmdlet: "Get-CsOnlinePSTNGateway", parameters: {} },
      {
        cmdlet: "New-CsOnlinePSTNGateway",
        parameters: {
          Fqdn: BASE,
          SipSignalingPort: 5061,
          MaxConcurrentSessions: 200,
          ForwardPai: true,
          MediaBypass: false,
          Enabled: true,
        },
      },
    ]);
    const tenant = await (await fetch(`${emulator.url}/_emulator/tenants/${CARRIER.id}`)).json();
    expect(JSON.stringify(tenant)).toContain(BASE);
  });

  it("Re-apply reads the gateway and writes nothing when it already matches", async () => {
    const before = Date.now();
    const count = (await gatewayCmdlets(emulator)).length;
    const reapply = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.operator.id}/carrier-trunk/apply`,
      headers: admin.headers,
    });
    expect(reapply.statusCode).toBe(202);
    await settled(before);
    expect((await gatewayCmdlets(emulator)).slice(count)).toEqual([
      { cmdlet: "Get-CsOnlinePSTNGateway", parameters: {} },
    ]);
  });

  it("changed settings update the gateway with one Set-CsOnlinePSTNGateway", async () => {
    const before = Date.now();
    const count = (await gatewayCmdlets(emulator)).length;
    const saved = await t.app.inject({
      method: "PUT",
      url: `/api/accounts/${tree.operator.id}/carrier-trunk`,
      headers: admin.headers,
      payload: { sipSignalingPort: 5067, maxConcurrentSessions: 300 },
    });
    expect(saved.statusCode).toBe(200);
    await settled(before);
    expect((await gatewayCmdlets(emulator)).slice(count)).toEqual([
      { cmdlet: "Get-CsOnlinePSTNGateway", parameters: {} },
      {
        cmdlet: "Set-CsOnlinePSTNGateway",
        parameters: {
          Identity: BASE,
          SipSignalingPort: 5067,
          MaxConcurrentSessions: 300,
          ForwardPai: true,
          MediaBypass: false,
          Enabled: true,
        },
      },
    ]);
  });
});
