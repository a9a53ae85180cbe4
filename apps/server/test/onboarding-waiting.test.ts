import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_PASSWORDS, DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import {
  configureOperator,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
  startEmulator,
} from "./support/onboarding.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

const CONTOSO = DEMO_TENANTS.contoso;

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
    const tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partnerAdmin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    const regions = await configureOperator(t, tree.operator, operatorAdmin);
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
      body: JSON.stringify({ timeFactor: 1, rolePropagationMs: 24 * 3600_000 }),
    });
    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/microsoft/connect`,
      headers: partnerAdmin.headers,
    });
    await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${CONTOSO.domain}`,
      password: DEMO_PASSWORDS.admin,
    });

    const waiting = await waitFor("the PSTN usage step waiting for the role", async () => {
      const body = await view();
      if (body.status === "failed") throw new Error(`setup failed: ${JSON.stringify(body)}`);
      const step = body.steps.find((s) => s.key === "pstn-usage");
      return step?.waitingForMicrosoft ? { body, step } : null;
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
    expect((await post("check-now")).statusCode).toBe(202);
    const again = await waitFor("a second check, still waiting", async () => {
      const step = (await view()).steps.find((s) => s.key === "pstn-usage");
      return step?.status === "waiting" &&
        (step.waitingForMicrosoft as { checks?: number } | null)?.checks === 1
        ? step
        : null;
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
  });
});
