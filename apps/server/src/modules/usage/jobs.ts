import type { Logger } from "pino";
import { z } from "zod";
import { defineJob, type JobDefinition, jobRef } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { DAY_PATTERN, utcDay } from "./days.js";
import type { MinutesDeps } from "./minutes.js";
import { takeDailySnapshots } from "./service.js";

const payload = z.object({
  /** The UTC day to snapshot (YYYY-MM-DD); default: the day the job runs. */
  day: z.string().regex(DAY_PATTERN).optional(),
});
type Payload = z.infer<typeof payload>;

export const USAGE_SNAPSHOT_JOB = jobRef<Payload>({ name: "usage-snapshot", payload });

/** Hourly, so a day is snapshotted even when the processes were down at midnight; each run is idempotent. */
export const USAGE_SNAPSHOT_CRON = "17 * * * *";

/** The daily usage snapshot of every enterprise (and the days it missed), and the closed days' call minutes. */
export function usageSnapshotJob(deps: MinutesDeps): JobDefinition<Payload> {
  return defineJob({
    ...USAGE_SNAPSHOT_JOB,
    retryLimit: 3,
    retryDelaySeconds: 60,
    async handle({ day }, { log }) {
      const result = await takeDailySnapshots(deps, day ?? utcDay(new Date()));
      log.info(result, "usage snapshots taken");
      return result;
    },
  });
}

/**
 * Puts the snapshot on pg-boss's cron (one schedule for every process; pg-boss sends each occurrence once)
 * and queues one run now, which takes a day missed while nothing ran.
 */
export function startUsageSchedule(deps: { jobs: JobQueue; log: Logger }): () => void {
  const schedule = async () => {
    await deps.jobs.boss.schedule(USAGE_SNAPSHOT_JOB.name, USAGE_SNAPSHOT_CRON, {}, { tz: "UTC" });
    await deps.jobs.enqueue(USAGE_SNAPSHOT_JOB, {});
  };
  schedule().catch((error) => deps.log.warn({ err: error }, "usage snapshot schedule failed"));
  return () => {};
}
