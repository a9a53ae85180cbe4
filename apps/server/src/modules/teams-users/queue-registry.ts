import type { JobQueue } from "../../jobs/job-queue.js";

/**
 * Job handlers are built before the queue exists (runtime/jobs.ts gets deps without `jobs`), but some
 * handlers enqueue follow-up jobs. The routes plugin registers the running queue here, per database handle.
 * A process without it leaves users `queued`; the schedule's safety net enqueues them.
 */
const queues = new WeakMap<object, JobQueue>();

export function registerQueue(db: object, jobs: JobQueue) {
  queues.set(db, jobs);
}

export function queueFor(db: object): JobQueue | undefined {
  return queues.get(db);
}
