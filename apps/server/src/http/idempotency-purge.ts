import { lt, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { z } from "zod";
import type { Database } from "../db/client.js";
import { defineJob, type JobDefinition, jobRef } from "../jobs/define-job.js";
import type { JobQueue } from "../jobs/job-queue.js";
import { IDEMPOTENCY_WINDOW_HOURS } from "./idempotency.js";
import { idempotencyRecords } from "./idempotency-schema.js";

const payload = z.object({});
type Payload = z.infer<typeof payload>;

export const IDEMPOTENCY_PURGE_JOB = jobRef<Payload>({ name: "idempotency-purge", payload });

/** Hourly: a record lives at most about 25 h; expired ones are never replayed meanwhile. */
export const IDEMPOTENCY_PURGE_CRON = "41 * * * *";

/** Deletes the `Idempotency-Key` records older than the replay window. */
export function idempotencyPurgeJob(deps: { db: Database }): JobDefinition<Payload> {
  return defineJob({
    ...IDEMPOTENCY_PURGE_JOB,
    retryLimit: 3,
    retryDelaySeconds: 60,
    async handle(_payload, { log }) {
      const result = await deps.db
        .delete(idempotencyRecords)
        .where(
          lt(idempotencyRecords.createdAt, sql`now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})`),
        );
      const purged = result.rowCount ?? 0;
      log.info({ purged }, "idempotency records purged");
      return { purged };
    },
  });
}

/** Puts the purge on pg-boss's cron (one schedule for every process; each occurrence is sent once). */
export function startIdempotencyPurgeSchedule(deps: { jobs: JobQueue; log: Logger }): () => void {
  deps.jobs.boss
    .schedule(IDEMPOTENCY_PURGE_JOB.name, IDEMPOTENCY_PURGE_CRON, {}, { tz: "UTC" })
    .catch((error) => deps.log.warn({ err: error }, "idempotency purge schedule failed"));
  return () => {};
}
