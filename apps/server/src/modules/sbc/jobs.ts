import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import { defineJob, type JobDefinition } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { sbcAdapterFor } from "./runtime.js";
import { syncEnterprise } from "./service.js";

export const SBC_SYNC_JOB = "sbc.sync-enterprise";
/** Changes arriving within this window are applied by one run. */
export const SBC_SYNC_DEBOUNCE_SECONDS = 1;

const syncPayload = z.object({ enterpriseId: z.uuid() });

/** Name and payload only, so any module can enqueue without the handler's dependencies. */
export const sbcSyncJobRef = {
  name: SBC_SYNC_JOB,
  payload: syncPayload,
  handle: async () => undefined,
} as JobDefinition<z.infer<typeof syncPayload>>;

/**
 * Call after any change that the SBC should see: trunk profile, provisioned user, SIP device,
 * calling state, enterprise deletion. Debounced per enterprise (one queued run at a time).
 */
export async function enqueueSbcSync(jobs: Pick<JobQueue, "enqueue">, enterpriseId: string) {
  return jobs.enqueue(
    sbcSyncJobRef,
    { enterpriseId },
    { singletonKey: `sbc:${enterpriseId}`, startAfterSeconds: SBC_SYNC_DEBOUNCE_SECONDS },
  );
}

export function sbcJobs(deps: Omit<AppDeps, "jobs">): JobDefinition<any>[] {
  return [
    defineJob({
      name: SBC_SYNC_JOB,
      payload: syncPayload,
      concurrency: 2,
      retryLimit: 10,
      retryDelaySeconds: 5,
      retryBackoff: true,
      async handle({ enterpriseId }, context) {
        const result = await syncEnterprise(deps, await sbcAdapterFor(deps), enterpriseId);
        context.log.info({ enterpriseId, result }, "SBC synchronised");
        return result;
      },
    }),
  ];
}
