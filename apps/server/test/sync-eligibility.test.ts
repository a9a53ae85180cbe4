import type { User } from "@sip2teams/m365-emulator";
import { DEMO_TENANTS } from "@sip2teams/m365-emulator";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";

import { teamsUserSyncs, teamsUsers } from "../src/modules/teams-users/schema.js";
import { waitFor } from "./support/provisioning.js";
import { useConnectedContoso } from "./support/teams-users-sync.js";

const CONTOSO = DEMO_TENANTS.contoso;
const TEAMS_ENTERPRISE_SKU = "7e74bd05-2c47-404e-829a-ba95c66fe8e5";

interface ListedUser {
  objectId: string;
  userPrincipalName: string;
  eligible: boolean;
  ineligibleReason: string | null;
}

describe("Teams users sync: who Teams cannot serve is not eligible, with the reason, before anyone enables them", () => {
  const ctx = useConnectedContoso();

  const sync = async () => {
    const finished = async () =>
      (
        await ctx.t.deps.db
          .select()
          .from(teamsUserSyncs)
          .where(eq(teamsUserSyncs.enterpriseAccountId, ctx.enterpriseId))
      )[0]?.finishedAt?.getTime() ?? 0;
    const before = await finished();
    const started = await ctx.t.app.inject({
      method: "POST",
      url: `/api/accounts/${ctx.enterpriseId}/teams-users/sync`,
      headers: ctx.partner.headers,
    });
    expect(started.statusCode).toBe(202);
    const row = await waitFor("sync finished", async () => {
      const [r] = await ctx.t.deps.db
        .select()
        .from(teamsUserSyncs)
        .where(and(eq(teamsUserSyncs.enterpriseAccountId, ctx.enterpriseId)));
      return r?.finishedAt && r.finishedAt.getTime() !== before ? r : null;
    });
    expect(row).toMatchObject({ status: "completed", lastError: null });
  };

  /** The Users page's list, as the UI reads it. */
  const listed = async (upn: string): Promise<ListedUser> => {
    const response = await ctx.t.app.inject({
      url: `/api/accounts/${ctx.enterpriseId}/teams-users?search=${encodeURIComponent(upn)}`,
      headers: ctx.partner.headers,
    });
    expect(response.statusCode).toBe(200);
    const found = (response.json().items as ListedUser[]).find((u) => u.userPrincipalName === upn);
    if (!found) throw new Error(`${upn} not listed`);
    return found;
  };

  /** Enabled generated users holding Teams Phone and Teams (eligible in the demo), in a stable order. */
  const teamsPhoneUsers = (): User[] =>
    [...ctx.emulator.state.requireTenant(CONTOSO.id).users.values()].filter(
      (u) =>
        u.accountEnabled &&
        !u.isResourceAccount &&
        !u.userPrincipalName.startsWith("user1@") &&
        u.licenses.some((l) => l.skuId === TEAMS_ENTERPRISE_SKU),
    );

  it("a user without the Teams service plan (TEAMS1) and an sfbOnPremUser are synced as not eligible, with reasons", async () => {
    const [noTeams, onPrem, later] = teamsPhoneUsers();
    // Teams Phone (MCOEV) kept, the Teams licence removed: Teams Phone alone is unusable.
    const api = (await ctx.t.deps.microsoft.tenant(CONTOSO.id)).graph.voice;
    await api.graph.post(`/users/${noTeams!.id}/assignLicense`, {
      addLicenses: [],
      removeLicenses: [TEAMS_ENTERPRISE_SKU],
    });
    // Homed in Skype for Business Server on premises (Teams reports it in userConfigurations.accountType).
    onPrem!.teamsAccountType = "sfbOnPremUser";

    await sync();
    expect(await listed(noTeams!.userPrincipalName)).toMatchObject({
      eligible: false,
      ineligibleReason: expect.stringMatching(/No Microsoft Teams licence \(service plan TEAMS1\)/),
    });
    expect(await listed(onPrem!.userPrincipalName)).toMatchObject({
      eligible: false,
      ineligibleReason: expect.stringMatching(
        /Skype for Business Server on premises \(accountType sfbOnPremUser\)/,
      ),
    });
    expect(await listed(later!.userPrincipalName)).toMatchObject({ eligible: true, ineligibleReason: null });
    expect(await listed(`user1@${CONTOSO.domain}`)).toMatchObject({ eligible: true });

    // Neither is offered in Add User.
    const offered = (
      await ctx.t.app.inject({
        url: `/api/accounts/${ctx.enterpriseId}/teams-users/eligible?q=`,
        headers: ctx.partner.headers,
      })
    ).json() as { objectId: string }[];
    expect(offered.map((u) => u.objectId)).not.toContain(noTeams!.id);
    expect(offered.map((u) => u.objectId)).not.toContain(onPrem!.id);
  }, 120_000);

  it("accountType changes reach the list on the next delta round, though the user object did not change", async () => {
    const [, onPrem, later] = teamsPhoneUsers();
    onPrem!.teamsAccountType = undefined; // moved to Teams
    later!.teamsAccountType = "ineligibleUser";
    await sync();
    expect(await listed(onPrem!.userPrincipalName)).toMatchObject({ eligible: true, ineligibleReason: null });
    expect(await listed(later!.userPrincipalName)).toMatchObject({
      eligible: false,
      ineligibleReason: expect.stringMatching(/accountType ineligibleUser/),
    });
  }, 120_000);

  it("a delta round marks accountType changes once the list is known, while its pages are still coming", async () => {
    const moved = teamsPhoneUsers()[3]!;
    moved.teamsAccountType = "ineligibleUser";
    // Many new users in small, slow pages: the round lasts at least 12 pages × 150 ms.
    ctx.emulator.state.generateUsers(CONTOSO.id, 60, 9);
    ctx.emulator.state.setFaults({ maxPageSize: 5, pageLatencyMs: 150 });
    try {
      const run = sync();
      const seen = await waitFor(
        "the changed accountType stored",
        async () => {
          const [user] = await ctx.t.deps.db
            .select({ eligible: teamsUsers.eligible, reason: teamsUsers.ineligibleReason })
            .from(teamsUsers)
            .where(
              and(eq(teamsUsers.enterpriseAccountId, ctx.enterpriseId), eq(teamsUsers.objectId, moved.id)),
            );
          if (user?.eligible !== false) return null;
          const [round] = await ctx.t.deps.db
            .select()
            .from(teamsUserSyncs)
            .where(eq(teamsUserSyncs.enterpriseAccountId, ctx.enterpriseId));
          return { user, round: round! };
        },
        { intervalMs: 5 },
      );
      // The user is in none of the round's pages (its object did not change): marked while most pages were ahead.
      expect(seen.user.reason).toMatch(/accountType ineligibleUser/);
      expect(seen.round.status).toBe("running");
      expect(seen.round.pages).toBeLessThan(8);
      await run;
    } finally {
      ctx.emulator.state.setFaults({ maxPageSize: 0, pageLatencyMs: 0 });
    }
  }, 120_000);
});
