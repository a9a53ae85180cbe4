import { z } from "zod";
import type { Database, Executor } from "../../db/client.js";
import { defineJob, type JobDefinition } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { accountRepository, tenantScope } from "../tenancy/index.js";
import { setupPrerequisites } from "./prerequisites.js";
import { setupRepository } from "./repository.js";
import { runDirectRoutingSetup, type SetupDeps } from "./service.js";

export const SETUP_JOB = "direct-routing-setup";
const SETUP_RETRY_LIMIT = 8;
const payload = z.object({ enterpriseAccountId: z.uuid() });

/** The Direct Routing setup job: one per enterprise, idempotent, retried with back-off, resumable. */
export function directRoutingSetupJob(deps: SetupDeps): JobDefinition<z.infer<typeof payload>> {
  return defineJob({
    name: SETUP_JOB,
    payload,
    retryLimit: SETUP_RETRY_LIMIT,
    retryDelaySeconds: 5,
    retryBackoff: true,
    expireInSeconds: 600,
    concurrency: 4,
    async handle({ enterpriseAccountId }, context) {
      return runDirectRoutingSetup(deps, enterpriseAccountId, {
        signal: context.signal,
        attempt: context.attempt,
        lastAttempt: context.attempt >= SETUP_RETRY_LIMIT,
      });
    },
  });
}

/** Queues a run of the setup; the singleton key keeps one waiting run per enterprise. */
export function enqueueSetup(jobs: Pick<JobQueue, "enqueue">, enterpriseAccountId: string) {
  return jobs.enqueue(
    { name: SETUP_JOB, payload },
    { enterpriseAccountId },
    { singletonKey: `${SETUP_JOB}:${enterpriseAccountId}` },
  );
}

/**
 * Starts (or refreshes) the setup once the trunk profile, the Teams profile and the connection exist.
 * With `recheck`, a finished setup reads the tenant again and applies only what changed.
 */
export async function startSetupIfReady(
  deps: { db: Database; jobs: Pick<JobQueue, "enqueue"> },
  enterpriseAccountId: string,
  options: { recheck?: boolean } = {},
): Promise<boolean> {
  const enterprise = await accountRepository(deps.db).findById(enterpriseAccountId);
  if (!enterprise) return false;
  if ((await setupPrerequisites(deps.db, enterpriseAccountId)).missing.length > 0) return false;
  await setupRepository(deps.db).resetForRun(tenantScope(enterprise), enterpriseAccountId, options);
  await enqueueSetup(deps.jobs, enterpriseAccountId);
  return true;
}

/** Whether the enterprise's setup has started (a setup row exists): a changed trunk FQDN would orphan it. */
export async function setupStarted(enterpriseAccountId: string, tx: Executor): Promise<boolean> {
  return Boolean(await setupRepository(tx).run.find(enterpriseAccountId));
}
