import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import {
  configureOperator,
  connectAsGlobalAdmin,
  emulatorEnv,
  onboardEnterprise,
  startEmulator,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

const CONTOSO = DEMO_TENANTS.contoso;
const FABRIKAM = DEMO_TENANTS.fabrikam;

interface StepView {
  key: string;
  status: string;
  lastError: string | null;
  waitingForMicrosoft: {
    what: string;
    since: string;
    usualDelaySeconds: number;
    maxDelaySeconds: number;
    nextCheckAt: string;
  } | null;
}

describe("Direct Routing setup waits for Microsoft instead of failing", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let partnerAdmin: SignedInUser;
  let enterpriseId: string;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let regions: string[];

  const view = async () =>
    (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/direct-routing-setup`,
        headers: partnerAdmin.headers,
      })
    ).json() as { status: string; lastError: string | null; steps: StepView[] };

  beforeAll(async () => {
    emulator = await startEmulator();
    t = await startTestApp(emulatorEnv(emulator));
    tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerAdmin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    regions = await configureOperator(t, tree.operator, operatorAdmin);
    enterpriseId = await onboardEnterprise(t, tree.partner, partnerAdmin, regions, "contoso");
  });
  afterAll(async () => {
    await t?.stop();
    await emulator?.close();
  });

  it("a 403 while the Teams Administrator role propagates is 'Waiting for Microsoft', fails past the maximum delay, and resolves once propagated", async () => {
    // The role reaches new tokens only after the propagation delay: held here until the test lets it through.
    await fetch(`${emulator.url}/_emulator/settings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ timeFactor: 1, rolePropagationMs: 24 * 3600_000, domainActivationMs: 0 }),
    });
    await connectAsGlobalAdmin(t, emulator, enterpriseId, partnerAdmin, CONTOSO);

    const waiting = await waitFor("the PSTN usage step waiting for the role", async () => {
      const body = await view();
      if (body.status === "failed") throw new Error(`setup failed: ${JSON.stringify(body)}`);
      const step = body.steps.find((s) => s.key === "pstn-usage");
      return step?.status === "waiting" && step.waitingForMicrosoft ? { body, step } : null;
    });
    expect(waiting.body.status).toBe("waiting");
    expect(waiting.step.status).toBe("waiting");
    expect(waiting.step.lastError).toBe("Waiting for Microsoft: Teams Administrator role propagation");
    const w = waiting.step.waitingForMicrosoft!;
    expect(w.what).toBe("Teams Administrator role propagation");
    expect(w.usualDelaySeconds).toBeGreaterThan(0);
    expect(w.maxDelaySeconds).toBeGreaterThan(w.usualDelaySeconds);
    expect(Date.parse(w.nextCheckAt)).toBeGreaterThan(Date.parse(w.since));

    // "Check now" checks again at once: still propagating, so still waiting, since the same moment.
    const post = (action: string) =>
      t.app.inject({
        method: "POST",
        url: `/api/accounts/${enterpriseId}/direct-routing-setup/${action}`,
        headers: partnerAdmin.headers,
      });
    const checksBefore = (w as { checks?: number }).checks ?? 0;
    expect((await post("check-now")).statusCode).toBe(202);
    const again = await waitFor("a second check, still waiting", async () => {
      const step = (await view()).steps.find((s) => s.key === "pstn-usage");
      const checks = (step?.waitingForMicrosoft as { checks?: number } | null)?.checks ?? 0;
      return step?.status === "waiting" && checks > checksBefore ? step : null;
    });
    expect(again.waitingForMicrosoft!.since).toBe(w.since);

    // Past Microsoft's maximum delay the step fails with what a partner can do.
    await t.deps.db.execute(
      sql`update direct_routing_setup_steps set data = jsonb_set(data, '{waiting,since}', to_jsonb(${new Date(Date.now() - 3 * 3600_000).toISOString()}::text)) where enterprise_account_id = ${enterpriseId} and key = 'pstn-usage'`,
    );
    expect((await post("check-now")).statusCode).toBe(202);
    const overdue = await waitFor("the step failed after the maximum delay", async () => {
      const body = await view();
      return body.status === "failed" ? body : null;
    });
    const failed = overdue.steps.find((s) => s.key === "pstn-usage")!;
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toMatch(/Teams Administrator role propagation within 2 hours/);
    expect(failed.lastError).toMatch(/Entra admin center .* Teams Administrator role/);

    // The role has propagated: the tokens the product held lack it, so it must fetch new ones.
    const tenant = emulator.state.requireTenant(CONTOSO.id);
    for (const ra of tenant.roleAssignments.values()) ra.effectiveFromMs = 0;
    expect((await post("run")).statusCode).toBe(202);
    const done = await waitFor("setup completed", async () => {
      const body = await view();
      if (body.status === "failed") throw new Error(`setup failed: ${JSON.stringify(body)}`);
      return body.status === "completed" ? body : null;
    });
    expect(done.steps.every((s) => s.status === "done" && s.waitingForMicrosoft === null)).toBe(true);
  }, 120_000);

  it("licenses the activation user with a Teams-including SKU and waits for domain activation before voice routes", async () => {
    const partner = partnerAdmin;
    const id = await onboardEnterprise(t, tree.partner, partner, regions, "fabrikam");
    // Roles at once; the subdomain activates 20 minutes (emulator clock) after its user got a Teams licence.
    await fetch(`${emulator.url}/_emulator/settings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ timeFactor: 1, rolePropagationMs: 0, domainActivationMs: 1200_000 }),
    });
    await connectAsGlobalAdmin(t, emulator, id, partner, FABRIKAM);
    const setupView = async () =>
      (
        await t.app.inject({ url: `/api/accounts/${id}/direct-routing-setup`, headers: partner.headers })
      ).json() as { status: string; steps: StepView[] };
    const waiting = await waitFor("voice routes waiting for domain activation", async () => {
      const body = await setupView();
      if (body.status === "failed") throw new Error(`setup failed: ${JSON.stringify(body)}`);
      const step = body.steps.find((s) => s.key === "voice-routes");
      return step?.status === "waiting" && step.waitingForMicrosoft ? step : null;
    });
    expect(waiting.waitingForMicrosoft).toMatchObject({
      what: "domain activation",
      maxDelaySeconds: 24 * 3600,
    });
    expect(waiting.lastError).toBe("Waiting for Microsoft: domain activation");

    // The activation user holds a licence that includes Teams (SPE_E5 here), not Teams Phone Standard alone.
    const tenant = emulator.state.requireTenant(FABRIKAM.id);
    const fqdn = "fabrikam.customers.sbc.example.net";
    const activation = [...tenant.users.values()].find(
      (u) => u.userPrincipalName === `teams-activation@${fqdn}`,
    );
    const parts = (activation?.licenses ?? []).map(
      (l) => tenant.skus.find((s) => s.skuId === l.skuId)?.skuPartNumber,
    );
    expect(parts).toEqual(["SPE_E5"]);
    expect(tenant.voice.get("OnlineVoiceRoute")?.size ?? 0).toBe(0);

    // Within the lifetime of the tokens the portal holds, so only the activation changes.
    emulator.state.advanceClock(FABRIKAM.id, 1200_000);
    const checkNow = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${id}/direct-routing-setup/check-now`,
      headers: partner.headers,
    });
    expect(checkNow.statusCode).toBe(202);
    await waitFor("setup completed after activation", async () => {
      const body = await setupView();
      if (body.status === "failed") throw new Error(`setup failed: ${JSON.stringify(body)}`);
      return body.status === "completed" ? body : null;
    });
  }, 120_000);
});
