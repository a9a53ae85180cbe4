import { and, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { z } from "zod";
import type { Config } from "../../config/config.js";
import type { Database } from "../../db/client.js";
import { defineJob, type JobDefinition, jobRef } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { startPeriodic } from "../../jobs/periodic.js";
import { endQuarantines } from "../numbers/index.js";
import { type ProvisioningDeps, runProvisioning } from "./provisioning.js";
import { teamsUserSyncs } from "./schema.js";
import { resumePendingConsent } from "./service.js";
import { markSyncQueued, runSync, type SyncDeps } from "./sync.js";

/** What the sync and provisioning jobs and the schedule need. */
export interface TeamsUsersJobDeps extends ProvisioningDeps, SyncDeps {
  jobs: JobQueue;
  config: Config;
}
type ScheduleDeps = { db: Database; jobs: JobQueue; config: Config };

export const SYNC_JOB = "teams-users.sync";
export const PROVISION_JOB = "teams-users.provision";

const syncPayload = z.object({ enterpriseAccountId: z.uuid() });
const provisionPayload = z.object({ provisionedUserId: z.uuid() });

/** Names and payloads only, so routes can enqueue without the handlers' dependencies. */
export const syncJobRef = jobRef({ name: SYNC_JOB, payload: syncPayload, deduplicate: "perKey" });
export const provisionJobRef = jobRef({
  name: PROVISION_JOB,
  payload: provisionPayload,
  deduplicate: "perKey",
});

export function teamsUsersJobs(deps: TeamsUsersJobDeps): JobDefinition[] {
  return [
    defineJob({
      name: SYNC_JOB,
      payload: syncPayload,
      concurrency: 4,
      deduplicate: "perKey",
      expireInSeconds: 3600,
      retryLimit: 5,
      async handle(payload, context) {
        return runSync(deps, payload.enterpriseAccountId, { signal: context.signal });
      },
    }),
    defineJob({
      name: PROVISION_JOB,
      payload: provisionPayload,
      // Many users in flight, so the allowed Microsoft request rate is used even while some wait out a 429.
      concurrency: 32,
      // One waiting and one running job per user: two runs of one user must not race through the steps.
      deduplicate: "perKey",
      retryLimit: 8,
      retryDelaySeconds: 5,
      async handle(payload, context) {
        return runProvisioning(deps, payload.provisionedUserId, {
          signal: context.signal,
          retry: context.attempt > 0,
        });
      },
    }),
  ];
}

/** Starts a sync now (dashboard action item, the Users page button). */
export async function enqueueSync(deps: { db: Database; jobs: JobQueue }, enterpriseAccountId: string) {
  await markSyncQueued(deps.db, enterpriseAccountId);
  await deps.jobs.enqueue(
    syncJobRef,
    { enterpriseAccountId },
    { singletonKey: `sync:${enterpriseAccountId}` },
  );
}

export function provisioningQueue(jobs: JobQueue | undefined) {
  return {
    async enqueueProvisioning(provisionedUserId: string) {
      if (!jobs) return; // picked up by the schedule's safety net
      await jobs.enqueue(
        provisionJobRef,
        { provisionedUserId },
        { singletonKey: `provision:${provisionedUserId}` },
      );
    },
    async checkNow(provisionedUserId: string) {
      if (!jobs) return;
      await jobs.runNow(
        provisionJobRef,
        { provisionedUserId },
        { singletonKey: `provision:${provisionedUserId}` },
      );
    },
  };
}

/**
 * The schedule: every minute, resume users whose enterprise gave consent, end quarantines, and queue a sync
 * for connected enterprises whose last sync is older than TEAMS_USERS_SYNC_MINUTES.
 */
export async function tick(deps: ScheduleDeps) {
  const resumed = await resumePendingConsent(deps.db, provisioningQueue(deps.jobs));
  // Safety net: users left queued without a job (e.g. added by a process without a queue).
  const stuck = await deps.db.execute<{ id: string }>(sql`
    select id from provisioned_users where status = 'queued' and updated_at < now() - interval '2 minutes' limit 1000`);
  for (const row of stuck.rows) await provisioningQueue(deps.jobs).enqueueProvisioning(row.id);
  await endQuarantines(deps.db);
  const minutes = deps.config.TEAMS_USERS_SYNC_MINUTES;
  if (minutes > 0) {
    const due = await deps.db.execute<{ id: string }>(sql`
      select c.enterprise_account_id as id from microsoft_connections c
      left join teams_user_syncs s on s.enterprise_account_id = c.enterprise_account_id
      where c.status = 'connected'
        and (s.enterprise_account_id is null
          or (s.status not in ('queued', 'running') and coalesce(s.finished_at, s.updated_at) < now() - make_interval(mins => ${minutes})))`);
    for (const row of due.rows) await enqueueSync(deps, row.id);
  }
  return { resumed };
}

/** Runs `tick` a few seconds after start and then a minute after each tick, until the returned function is called. */
export function startTeamsUsersSchedule(deps: ScheduleDeps & { log: Logger }): () => Promise<void> {
  return startPeriodic({
    name: "teams users tick",
    firstAfterMs: 2_000,
    everyMs: 60_000,
    log: deps.log,
    pass: () => tick(deps),
  });
}

export async function isSyncActive(deps: { db: Database }, enterpriseAccountId: string) {
  const [row] = await deps.db
    .select({ status: teamsUserSyncs.status })
    .from(teamsUserSyncs)
    .where(and(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId)));
  return row?.status === "queued" || row?.status === "running";
}
