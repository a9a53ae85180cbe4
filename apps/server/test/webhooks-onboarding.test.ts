import { DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { webhookEvents } from "../src/modules/webhooks/schema.js";
import {
  configuredOperatorAndPartner,
  connectAsGlobalAdmin,
  onboardEnterprise,
  useEmulatorAndApp,
} from "./support/onboarding.js";
import { waitFor } from "./support/wait-for.js";

const CONTOSO = DEMO_TENANTS.contoso;

describe("Webhook events of onboarding: consent, the Direct Routing setup, disconnect", () => {
  const started = useEmulatorAndApp();

  it("records consent.granted, a setup.step-changed per finished step and one setup.completed, in order", async () => {
    const { emulator, t } = started;
    const { tree, partnerUser, regions } = await configuredOperatorAndPartner(t);
    const enterpriseId = await onboardEnterprise(t, tree.partner, partnerUser, regions, "contoso");
    await connectAsGlobalAdmin(t, emulator, enterpriseId, partnerUser, CONTOSO);
    const setup = await waitFor("setup completed", async () => {
      const body = (
        await t.app.inject({
          url: `/api/accounts/${enterpriseId}/direct-routing-setup`,
          headers: partnerUser.headers,
        })
      ).json() as { status: string; steps: { key: string }[] };
      if (body.status === "failed") throw new Error(JSON.stringify(body));
      return body.status === "completed" ? body : null;
    });

    const events = await t.deps.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.accountId, enterpriseId))
      .orderBy(asc(webhookEvents.createdAt));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("consent.granted");
    expect(events[0]!.data).toEqual({ enterpriseId, tenantId: CONTOSO.id });
    expect(types.filter((type) => type === "setup.completed")).toHaveLength(1);
    expect(types.at(-1)).toBe("setup.completed");
    const done = events
      .filter((e) => e.type === "setup.step-changed" && (e.data as { status: string }).status === "done")
      .map((e) => (e.data as { step: string }).step);
    expect(done).toEqual(setup.steps.map((s) => s.key));
    expect(types).not.toContain("setup.failed");

    // Disconnecting revokes consent: one consent.revoked naming the tenant.
    const disconnect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/microsoft/disconnect`,
      headers: partnerUser.headers,
    });
    expect(disconnect.statusCode, disconnect.body).toBeLessThan(300);
    const revoked = await t.deps.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.type, "consent.revoked"));
    expect(revoked.map((e) => e.data)).toEqual([{ enterpriseId, tenantId: CONTOSO.id }]);
  }, 180_000);
});
