import { readlinkSync } from "node:fs";
import os from "node:os";
import type { PgBoss } from "pg-boss";
import type { Logger } from "pino";

/**
 * Which process holds an active job: recorded on the job (pg-boss `output`, which pg-boss overwrites when
 * the job settles) as soon as a worker claims it, so a worker starting on the same machine can tell that
 * the holder is gone and retry the job at once instead of waiting for its heartbeat to go stale.
 */
export interface JobHolder {
  host: string;
  /** The PID namespace (Linux), so a container's PIDs are never compared with another's. */
  pidNamespace: string | null;
  pid: number;
}

export function thisProcess(): JobHolder {
  return { host: os.hostname(), pidNamespace: pidNamespace(), pid: process.pid };
}

function pidNamespace(): string | null {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return null;
  }
}

/** True only when the holder ran in this machine's PID namespace and no such process exists any more. */
export function isGone(holder: JobHolder, self: JobHolder = thisProcess()): boolean {
  if (holder.host !== self.host || holder.pidNamespace !== self.pidNamespace) return false;
  if (holder.pid === self.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export async function recordHolder(boss: PgBoss, schema: string, jobId: string): Promise<void> {
  await boss
    .getDb()
    .executeSql(
      `update ${schema}.job set output = jsonb_build_object('heldBy', $2::jsonb) where id = $1 and state = 'active'`,
      [jobId, JSON.stringify(thisProcess())],
    );
}

/**
 * At worker start: the active jobs of processes on this machine that no longer exist fail now, so pg-boss
 * retries them after the queue's retry delay. Jobs held elsewhere are left to the heartbeat monitor.
 */
export async function reclaimJobsOfGoneProcesses(
  boss: PgBoss,
  schema: string,
  queues: string[],
  log: Logger,
): Promise<number> {
  const { rows } = (await boss.getDb().executeSql(
    `select id, name, retry_count as "retryCount", output -> 'heldBy' as "heldBy"
       from ${schema}.job where state = 'active' and name = any($1::text[]) and output ? 'heldBy'`,
    [queues],
  )) as { rows: { id: string; name: string; retryCount: number; heldBy: JobHolder }[] };
  let reclaimed = 0;
  for (const job of rows) {
    if (!isGone(job.heldBy)) continue;
    await boss.fail(
      job.name,
      { id: job.id, retryCount: job.retryCount },
      { message: `worker process ${job.heldBy.pid} on ${job.heldBy.host} is gone` },
    );
    log.warn({ job: job.name, jobId: job.id, heldBy: job.heldBy }, "reclaimed the job of a gone worker");
    reclaimed += 1;
  }
  return reclaimed;
}
