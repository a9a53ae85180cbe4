import { z } from "zod";
import { type JobRef, jobRef } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";

/**
 * Deleting an enterprise is queued here and done by direct-routing-setup (which undoes what the setup made in
 * the tenant before the records go): the job's ref lives with the module that asks for it.
 */
export const enterpriseDeletionJob: JobRef<{ enterpriseAccountId: string }> = jobRef({
  name: "enterprise-delete",
  payload: z.object({ enterpriseAccountId: z.uuid() }),
  deduplicate: "perKey",
});

export function enqueueEnterpriseDeletion(jobs: Pick<JobQueue, "enqueue">, enterpriseAccountId: string) {
  return jobs.enqueue(
    enterpriseDeletionJob,
    { enterpriseAccountId },
    { singletonKey: `${enterpriseDeletionJob.name}:${enterpriseAccountId}` },
  );
}
