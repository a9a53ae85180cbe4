import { PgBoss } from "pg-boss";
import type { Logger } from "pino";
import { type JobDefinition, RetryLater } from "./define-job.js";

export interface EnqueueOptions {
  /** On a `deduplicate: "perKey"` queue, a job whose key already waits is not queued again. */
  singletonKey?: string;
  startAfterSeconds?: number;
}

export interface JobQueue {
  enqueue<P>(definition: JobDefinition<P>, payload: P, options?: EnqueueOptions): Promise<string | null>;
  startWorkers(): Promise<void>;
  isReachable(): Promise<boolean>;
  stop(): Promise<void>;
  readonly boss: PgBoss;
}

const PGBOSS_SCHEMA = "pgboss";

/** pg-boss on the application database: queues are created for every definition at start. */
export async function createJobQueue(options: {
  databaseUrl: string;
  log: Logger;
  definitions: JobDefinition<any>[];
  poolSize?: number;
}): Promise<JobQueue> {
  const { log, definitions } = options;
  const byName = new Map(definitions.map((d) => [d.name, d]));
  if (byName.size !== definitions.length) throw new Error("two job definitions share a name");

  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: PGBOSS_SCHEMA,
    max: options.poolSize ?? 5,
  });
  boss.on("error", (error) => log.error({ err: error }, "job queue error"));
  await boss.start();
  for (const definition of definitions) {
    await boss.createQueue(definition.name, {
      ...(definition.deduplicate === "perKey" ? { policy: "stately" } : {}),
      retryLimit: definition.retryLimit ?? 5,
      retryDelay: definition.retryDelaySeconds ?? 5,
      retryBackoff: definition.retryBackoff ?? true,
      ...((definition.retryBackoff ?? true) ? { retryDelayMax: 600 } : {}),
      expireInSeconds: definition.expireInSeconds ?? 900,
    });
  }

  let working = false;
  return {
    boss,
    async enqueue(definition, payload, enqueueOptions = {}) {
      if (definition.deduplicate === "perKey" && !enqueueOptions.singletonKey) {
        throw new Error(`${definition.name} deduplicates per key: enqueue it with a singletonKey`);
      }
      const data = definition.payload.parse(payload) as object;
      return boss.send(definition.name, data, {
        ...(enqueueOptions.singletonKey ? { singletonKey: enqueueOptions.singletonKey } : {}),
        ...(enqueueOptions.startAfterSeconds ? { startAfter: enqueueOptions.startAfterSeconds } : {}),
      });
    },

    async startWorkers() {
      await assertEveryQueueHasHandler(boss, byName);
      for (const definition of definitions) {
        await boss.work(
          definition.name,
          {
            batchSize: 1,
            includeMetadata: true,
            localConcurrency: definition.concurrency ?? 2,
            pollingIntervalSeconds: 0.5,
          },
          async ([job]) => {
            if (!job) return;
            const jobLog = log.child({ job: definition.name, jobId: job.id });
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
        );
      }
      working = true;
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
