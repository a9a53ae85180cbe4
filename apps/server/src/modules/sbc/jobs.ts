import { z } from "zod";
import { defineJob, type JobDefinition } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import type { SbcDeps } from "./deps.js";
import { syncEnterprise } from "./service.js";

export const SBC_SYNC_JOB = "sbc.sync-enterprise";
/**
 * Debounce slot: the first change of a slot runs at once, the rest of the slot's changes in one run
 * at the next slot (a CSV import of thousands of users is a run every few seconds, not thousands).
 */
export const SBC_SYNC_DEBOUNCE_SECONDS = 5;

const syncPayload = z.object({ enterpriseId: z.uuid() });

/**
 * Call after any change that the SBC should see: trunk profile, provisioned user, SIP device,
 * calling state, enterprise deletion. Debounced per enterprise: the first change of a
 * SBC_SYNC_DEBOUNCE_SECONDS slot runs at once, later ones in that slot share one run in the next
 * slot (pg-boss throttling with `singletonNextSlot`; a `singletonKey` alone does not deduplicate on
 * a standard-policy queue). Returns the job id, or null when an already queued run covers it.
 */
export async function enqueueSbcSync(jobs: Pick<JobQueue, "boss">, enterpriseId: string) {
  const data = syncPayload.parse({ enterpriseId });
  return jobs.boss.send(SBC_SYNC_JOB, data, {
    singletonKey: `sbc:${enterpriseId}`,
    singletonSeconds: SBC_SYNC_DEBOUNCE_SECONDS,
    singletonNextSlot: true,
  });
}

export function sbcJobs(
  deps: Pick<SbcDeps, "db" | "secrets" | "sbc">,
): JobDefinition<{ enterpriseId: string }>[] {
  return [
    defineJob({
      name: SBC_SYNC_JOB,
      payload: syncPayload,
      concurrency: 2,
      retryLimit: 10,
      retryDelaySeconds: 5,
      retryBackoff: true,
      async handle({ enterpriseId }, context) {
        const result = await syncEnterprise(deps, await deps.sbc.get(), enterpriseId);
        context.log.info({ enterpriseId, result }, "SBC synchronised");
        return result;
      },
    }),
  ];
}
