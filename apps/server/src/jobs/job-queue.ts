import { PgBoss } from "pg-boss";
import type { Logger } from "pino";
import { type JobDefinition, type JobRef, RetryLater } from "./define-job.js";
import { reclaimJobsOfGoneProcesses, recordHolder } from "./job-holder.js";
import { workWithCrew } from "./worker-crew.js";

export interface EnqueueOptions {
  /** On a `deduplicate: "perKey"` queue, a job whose key already waits is not queued again. */
  singletonKey?: string;
  startAfterSeconds?: number;
}

export interface JobQueue {
  enqueue<P>(ref: JobRef<P>, payload: P, options?: EnqueueOptions): Promise<string | null>;
  /**
   * "Check now": the key's queued job (e.g. one a handler rescheduled for later with RetryLater) runs at once;
   * with none queued, one is enqueued.
   */
  runNow<P>(ref: JobRef<P>, payload: P, options: { singletonKey: string }): Promise<void>;
  startWorkers(): Promise<void>;
  isReachable(): Promise<boolean>;
  stop(): Promise<void>;
  readonly boss: PgBoss;
}

const PGBOSS_SCHEMA = "pgboss";

/**
 * A worker refreshes each active job's heartbeat every HEARTBEAT_REFRESH_SECONDS; a job whose heartbeat is
 * older than JOB_HEARTBEAT_SECONDS (pg-boss's minimum) has lost its worker, and the supervisor, which runs
 * every SUPERVISE_SECONDS in every process, fails it into a retry. So a dead worker's job is retried within
 * about 10 + 5 s + the first retry delay, long before `expireInSeconds`.
 */
export const JOB_HEARTBEAT_SECONDS = 10;
const HEARTBEAT_REFRESH_SECONDS = 2;
const SUPERVISE_SECONDS = 5;

/** pg-boss on the application database: queues are created for every definition at start. */
export async function createJobQueue(options: {
  databaseUrl: string;
  log: Logger;
  /** Every handler, built with the queue itself so handlers can queue follow-up work. */
  definitions: (jobs: JobQueue) => JobDefinition[];
  poolSize?: number;
  /** The crew's backstop poll (worker-crew.ts); a test sets it beyond its own length to see only the wake-ups. */
  crewPollSeconds?: number;
}): Promise<JobQueue> {
  const { log } = options;
  let definitions: JobDefinition[] = [];
  const byName = new Map<string, JobDefinition>();

  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: PGBOSS_SCHEMA,
    max: options.poolSize ?? 5,
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    monitorIntervalSeconds: SUPERVISE_SECONDS,
  });
  boss.on("error", (error) => log.error({ err: error }, "job queue error"));
  await boss.start();
  let working = false;
  /** This process's workers by queue, when it runs them: a job queued here wakes one at once. */
  const crews = new Map<string, { wake: () => void }>();
  const queue: JobQueue = {
    boss,
    async enqueue(ref, payload, enqueueOptions = {}) {
      if (ref.deduplicate === "perKey" && !enqueueOptions.singletonKey) {
        throw new Error(`${ref.name} deduplicates per key: enqueue it with a singletonKey`);
      }
      const data = ref.payload.parse(payload) as object;
      const id = await boss.send(ref.name, data, {
        ...(enqueueOptions.singletonKey ? { singletonKey: enqueueOptions.singletonKey } : {}),
        ...(enqueueOptions.startAfterSeconds ? { startAfter: enqueueOptions.startAfterSeconds } : {}),
      });
      if (id && !enqueueOptions.startAfterSeconds) crews.get(ref.name)?.wake();
      return id;
    },

    async runNow(ref, payload, runOptions) {
      // pg-boss has no call that moves a queued job's start time; its job table is its documented storage.
      const moved = await boss
        .getDb()
        .executeSql(
          `update ${PGBOSS_SCHEMA}.job set start_after = now() where name = $1 and singleton_key = $2 and state in ('created', 'retry') returning id`,
          [ref.name, runOptions.singletonKey],
        );
      if (moved.rows.length === 0) await queue.enqueue(ref, payload, runOptions);
      else crews.get(ref.name)?.wake();
    },

    async startWorkers() {
      await assertEveryQueueHasHandler(boss, byName);
      await reclaimJobsOfGoneProcesses(boss, PGBOSS_SCHEMA, [...byName.keys()], log);
      for (const definition of definitions) {
        const crew = await workWithCrew(
          boss,
          definition.name,
          definition.concurrency ?? 2,
          HEARTBEAT_REFRESH_SECONDS,
          async (job) => {
            const jobLog = log.child({ job: definition.name, jobId: job.id });
            await recordHolder(boss, PGBOSS_SCHEMA, job.id);
            const payload = definition.payload.parse(job.data);
            try {
              return await definition.handle(payload, {
                jobId: job.id,
                attempt: job.retryCount,
                log: jobLog,
                signal: job.signal,
              });
            } catch (error) {
              if (error instanceof RetryLater) {
                jobLog.info({ seconds: error.seconds }, "job asked to wait; rescheduled");
                await boss.send(definition.name, job.data as object, {
                  startAfter: Math.ceil(error.seconds),
                  ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
                });
                return { rescheduledAfterSeconds: error.seconds };
              }
              jobLog.warn({ err: error, attempt: job.retryCount }, "job attempt failed");
              throw error;
            }
          },
          options.crewPollSeconds,
        );
        crews.set(definition.name, crew);
      }
      working = true;
      // Stale heartbeats are failed now rather than at the supervisor's first tick.
      await boss.supervise().catch((error) => log.warn({ err: error }, "first supervise pass failed"));
      log.info({ queues: definitions.map((d) => d.name) }, "workers started");
    },

    async isReachable() {
      try {
        await boss.getDb().executeSql("select 1");
        return true;
      } catch {
        return false;
      }
    },

    async stop() {
      await boss.stop({ graceful: working, timeout: 10_000, close: true });
    },
  };
  definitions = options.definitions(queue);
  for (const definition of definitions) byName.set(definition.name, definition);
  if (byName.size !== definitions.length) throw new Error("two job definitions share a name");
  for (const definition of definitions) {
    await boss.createQueue(definition.name, {
      ...(definition.deduplicate === "perKey" ? { policy: "stately" } : {}),
      retryLimit: definition.retryLimit ?? 5,
      retryDelay: definition.retryDelaySeconds ?? 5,
      retryBackoff: definition.retryBackoff ?? true,
      ...((definition.retryBackoff ?? true) ? { retryDelayMax: 600 } : {}),
      expireInSeconds: definition.expireInSeconds ?? 900,
      heartbeatSeconds: JOB_HEARTBEAT_SECONDS,
    });
    // createQueue leaves an existing queue as it was: queues made before heartbeats get one now.
    await boss.updateQueue(definition.name, { heartbeatSeconds: JOB_HEARTBEAT_SECONDS });
  }
  await heartbeatQueuedJobs(boss, [...byName.keys()]);

  return queue;
}

/** pg-boss copies a queue's heartbeat onto a job when it is sent: jobs queued before heartbeats get one here. */
async function heartbeatQueuedJobs(boss: PgBoss, queues: string[]) {
  await boss
    .getDb()
    .executeSql(
      `update ${PGBOSS_SCHEMA}.job set heartbeat_seconds = $2 where name = any($1::text[]) and state in ('created', 'retry') and heartbeat_seconds is null`,
      [queues, JOB_HEARTBEAT_SECONDS],
    );
}

/** A queued job whose name nothing handles would wait forever; refuse to start instead. */
async function assertEveryQueueHasHandler(boss: PgBoss, handled: Map<string, unknown>) {
  const waiting = (await boss
    .getDb()
    .executeSql(
      `select distinct name from ${PGBOSS_SCHEMA}.job where state in ('created', 'retry', 'active') and name not like '\\_\\_%'`,
    )) as { rows: { name: string }[] };
  const orphaned = waiting.rows.map((row) => row.name).filter((name) => !handled.has(name));
  if (orphaned.length > 0) {
    throw new Error(`Jobs are queued for names no handler is registered for: ${orphaned.join(", ")}`);
  }
}
