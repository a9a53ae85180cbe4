import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { waitFor } from "./support/provisioning.js";
import { useConnectedContoso } from "./support/teams-users-sync.js";

/**
 * After a sync round that wrote rows, the name search index's pending list (GIN fastupdate) is merged into the
 * index, so the first searches after a large first sync do not read through it (nor does the planner, counting
 * it, turn to a sequential scan).
 */
describe("Teams users sync: the name search index is settled after a round that wrote rows", () => {
  const ctx = useConnectedContoso();

  /** Sync Teams Users through the API and wait for its job to end; answers the job's output. */
  const syncJob = async () => {
    const queued = await ctx.t.app.inject({
      method: "POST",
      url: `/api/accounts/${ctx.enterpriseId}/teams-users/sync`,
      headers: ctx.partner.headers,
    });
    expect(queued.statusCode).toBe(202);
    const startedAfter = new Date(Date.now() - 1000);
    return waitFor("the sync job completed", async () => {
      const { rows } = await ctx.t.deps.db.execute<{ state: string; output: Record<string, unknown> }>(sql`
        select state, output from pgboss.job
        where name = 'teams-users.sync' and data->>'enterpriseAccountId' = ${ctx.enterpriseId}
          and created_on >= ${startedAfter.toISOString()}::timestamptz
        order by created_on desc limit 1`);
      const job = rows[0];
      if (job?.state === "failed") throw new Error(`the sync job failed: ${JSON.stringify(job.output)}`);
      return job?.state === "completed" ? job.output : null;
    });
  };

  /** Pages still in the trigram index's pending list (merging them now: 0 when none were left). */
  const pendingPages = async () => {
    const { rows } = await ctx.t.deps.db.execute<{ n: number }>(
      sql`select gin_clean_pending_list('teams_users_display_name_trgm_idx'::regclass)::int as n`,
    );
    return rows[0]!.n;
  };

  it("merges the pending list after the first round, and leaves it alone after a round with no changes", async () => {
    const first = await syncJob();
    expect(first).toMatchObject({ searchIndex: "settled" });
    expect(first.changed as number).toBeGreaterThan(0);
    expect(await pendingPages()).toBe(0);

    const second = await syncJob();
    expect(second).toMatchObject({ changed: 0, searchIndex: "unchanged" });
  });
});
