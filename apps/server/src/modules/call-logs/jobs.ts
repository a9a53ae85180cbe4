import { z } from "zod";
import { defineJob, type JobDefinition, jobRef } from "../../jobs/define-job.js";
import { type CallLogsDeps, callRecordsOf } from "./deps.js";

const payload = z.object({});
type Payload = z.infer<typeof payload>;

export const CALL_LOGS_PURGE_JOB = jobRef<Payload>({ name: "call-logs.purge", payload });

/** Hourly (pg-boss cron, UTC): a purge missed while nothing ran is made up by the next one. */
export const CALL_LOGS_PURGE_CRON = "41 * * * *";

/** Deletes the SBC's CDRs older than CALL_LOG_RETENTION_DAYS. */
export async function purgeCallLogs(deps: Pick<CallLogsDeps, "config" | "sbc">, now = new Date()) {
  const before = new Date(now.getTime() - deps.config.CALL_LOG_RETENTION_DAYS * 86_400_000);
  const deleted = await callRecordsOf(deps).purge(before);
  return { deleted, before: before.toISOString() };
}

export function callLogsPurgeJob(deps: Pick<CallLogsDeps, "config" | "sbc">): JobDefinition<Payload> {
  return defineJob({
    ...CALL_LOGS_PURGE_JOB,
    retryLimit: 3,
    retryDelaySeconds: 300,
    async handle(_payload, { log }) {
      const result = await purgeCallLogs(deps);
      log.info(result, "call logs purged");
      return result;
    },
  });
}

/** Puts the purge on pg-boss's cron (one schedule for every process; each occurrence is sent once). */
export function startCallLogsPurgeSchedule(deps: Pick<CallLogsDeps, "jobs" | "log">): () => void {
  deps.jobs.boss
    .schedule(CALL_LOGS_PURGE_JOB.name, CALL_LOGS_PURGE_CRON, {}, { tz: "UTC" })
    .catch((error) => deps.log.warn({ err: error }, "call logs purge schedule failed"));
  return () => {};
}
