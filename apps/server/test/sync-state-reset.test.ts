import type { StartedEmulator } from "@sip2teams/m365-emulator";
import { DEMO_APP, DEMO_TENANTS, ROLE } from "@sip2teams/m365-emulator";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";

import { teamsUserSyncs, teamsUsers } from "../src/modules/teams-users/schema.js";
import { waitFor } from "./support/provisioning.js";
import { useConnectedContoso } from "./support/teams-users-sync.js";

const CONTOSO = DEMO_TENANTS.contoso;

async function graphLog(emulator: StartedEmulator) {
  const response = await fetch(`${emulator.url}/_emulator/tenants/${CONTOSO.id}/requests`);
  const body = (await response.json()) as unknown;
  const lines = (Array.isArray(body) ? body : (body as { requests: unknown[] }).requests) as {
    path: string;
    status: number;
    surface: string;
    query: Record<string, string>;
  }[];
  return lines.filter((l) => l.surface === "graph");
}

describe("Teams users sync after Microsoft reset its sync state (410 syncStateNotFound)", () => {
  const ctx = useConnectedContoso();

  const syncRow = async () =>
    (
      await ctx.t.deps.db
        .select()
        .from(teamsUserSyncs)
        .where(eq(teamsUserSyncs.enterpriseAccountId, ctx.enterpriseId))
    )[0];

  const sync = async () => {
    const before = (await syncRow())?.finishedAt?.getTime() ?? 0;
    const started = await ctx.t.app.inject({
      method: "POST",
      url: `/api/accounts/${ctx.enterpriseId}/teams-users/sync`,
      headers: ctx.partner.headers,
    });
    expect(started.statusCode).toBe(202);
    return waitFor("sync finished", async () => {
      const row = await syncRow();
      if (!row?.finishedAt || row.finishedAt.getTime() === before) return null;
      return row.status === "completed" || row.status === "failed" ? row : null;
    });
  };

  const userRow = async (objectId: string) =>
    (
      await ctx.t.deps.db
        .select()
        .from(teamsUsers)
        .where(and(eq(teamsUsers.enterpriseAccountId, ctx.enterpriseId), eq(teamsUsers.objectId, objectId)))
    )[0];

  it("starts a full round instead of failing, and users gone in the reset are marked removed", async () => {
    expect(await sync()).toMatchObject({ status: "completed", fullSync: true });
    const api = (await ctx.t.deps.microsoft.tenant(CONTOSO.id)).graph.voice;
    const created = await api.graph.post<{ id: string }>("/users", {
      accountEnabled: true,
      displayName: "Before Reset",
      mailNickname: "before-reset",
      userPrincipalName: `before-reset@${CONTOSO.domain}`,
      usageLocation: "US",
      passwordProfile: { password: "Aa1!aaaaaaaa", forceChangePasswordNextSignIn: true },
    });
    expect(await sync()).toMatchObject({ status: "completed", fullSync: false });
    expect(await userRow(created.body.id)).toMatchObject({ removedAt: null });
    const { deltaLink } = (await syncRow())!;
    expect(deltaLink).toContain("$deltatoken=");

    // Microsoft's side starts over (the emulator's state reset): the user created above no longer exists, and
    // the stored delta link belongs to a sync state Microsoft no longer has.
    ctx.emulator.state.reset();
    const sp = ctx.emulator.state.grantAdminConsent(CONTOSO.id, DEMO_APP.clientId);
    ctx.emulator.state.assignDirectoryRole(CONTOSO.id, sp.id, ROLE.TEAMS_ADMINISTRATOR);
    // As many changes as before the reset, so only the sync state's identity tells the old link apart.
    for (const jobTitle of ["One", "Two", "Three"]) {
      await api.graph.patch(`/users/user1@${CONTOSO.domain}`, { jobTitle });
    }

    const after = await sync();
    expect(after).toMatchObject({ status: "completed", fullSync: true, lastError: null });
    expect(after.deltaLink).not.toBe(deltaLink);
    expect(after.removed).toBeGreaterThanOrEqual(1);
    const delta = (await graphLog(ctx.emulator)).filter((l) => l.path.endsWith("/users/delta"));
    expect(delta[0]).toMatchObject({ status: 410 });
    expect(delta[0]!.query.$deltatoken).toBeTruthy();
    expect(delta[1]).toMatchObject({ status: 200 });
    expect(delta[1]!.query.$deltatoken).toBeUndefined();

    // The full round is the truth: who it did not see is gone from Microsoft 365.
    expect(await userRow(created.body.id)).toMatchObject({
      eligible: false,
      ineligibleReason: "Removed from Microsoft 365",
      removedAt: expect.any(Date),
    });
    const user1 = (
      await ctx.t.deps.db
        .select()
        .from(teamsUsers)
        .where(
          and(
            eq(teamsUsers.enterpriseAccountId, ctx.enterpriseId),
            eq(teamsUsers.userPrincipalName, `user1@${CONTOSO.domain}`),
          ),
        )
    )[0];
    expect(user1).toMatchObject({ removedAt: null, eligible: true });

    // And the next round follows the new delta link again.
    expect(await sync()).toMatchObject({ status: "completed", fullSync: false });
  }, 120_000);
});
