import type { JobQueue } from "../../jobs/job-queue.js";
import type { BulkImport } from "./schema.js";

export const APPLY_JOB = "bulk-import.apply";
export const applyJobKey = (importId: string) => `import:${importId}`;

/**
 * How long an apply may run without finishing a row before it counts as stalled. A row is one Add User
 * (a few database writes), so minutes without one mean the run is stuck even though its heartbeat (which
 * retries the job of a dead worker within about 20 s) still beats.
 */
export const APPLY_STALLED_AFTER_MS = 5 * 60_000;

/**
 * An apply is interrupted when the import still says `applying` but nothing will finish it: no apply job
 * is waiting or being retried, and none is running, or the one running has not finished a row for
 * APPLY_STALLED_AFTER_MS (counted from when it started, if later than the last row).
 */
export async function isApplyInterrupted(
  jobs: Pick<JobQueue, "boss">,
  found: BulkImport,
  now = Date.now(),
): Promise<boolean> {
  if (found.status !== "applying") return false;
  const applyJobs = await jobs.boss.findJobs(APPLY_JOB, { key: applyJobKey(found.id) });
  if (applyJobs.some((job) => job.state === "created" || job.state === "retry")) return false;
  const running = applyJobs.filter((job) => job.state === "active");
  if (running.length === 0) return true;
  const lastSign = Math.max(
    found.updatedAt.getTime(),
    ...running.map((job) => new Date(job.startedOn ?? 0).getTime()),
  );
  return now - lastSign > APPLY_STALLED_AFTER_MS;
}
