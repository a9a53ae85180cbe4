import type { JobWithMetadata, PgBoss } from "pg-boss";

/** How often a queue with nothing to do is asked for jobs: the pickup delay of a new or delayed job. */
export const SCOUT_POLL_SECONDS = 0.5;

/** The crew's own poll, a backstop only: a job start wakes the crew (below). */
export const CREW_POLL_SECONDS = 10;

/**
 * Works one queue with `concurrency` pg-boss workers in this process, each fetching one job at a time. Only the
 * first (the scout) polls an idle queue often; the others (the crew) sleep until a job starts. Polled alike, a
 * queue of concurrency 32 cost an idle worker 64 fetches a second, and the thirteen queues together 130: 7.6% of
 * a core in the worker and as much in PostgreSQL, paid again by every worker process of a scale-out.
 *
 * Each member that starts a job asks to fetch again as soon as it is done (the queue had work), and wakes one
 * idle member, which fetches at once and, if it gets a job, wakes the next: a backlog brings the whole crew out
 * within a few fetches, and a job arriving in an idle queue costs one empty fetch, not `concurrency - 1`.
 * Returns `wake`, for a job queued by this process: an idle member fetches now instead of at its next poll.
 */
export async function workWithCrew(
  boss: PgBoss,
  name: string,
  concurrency: number,
  heartbeatRefreshSeconds: number,
  handler: (job: JobWithMetadata<unknown>) => Promise<unknown>,
  crewPollSeconds = CREW_POLL_SECONDS,
): Promise<{ wake: () => void }> {
  const members: string[] = [];
  const busy = new Set<string>();
  const wake = () => {
    const idle = members.find((id) => !busy.has(id));
    if (idle) boss.notifyWorker(idle);
  };
  for (let i = 0; i < concurrency; i++) {
    // pg-boss starts the worker inside work(), so its first job may come before its id is known.
    const member = { id: "" };
    member.id = await boss.work(
      name,
      {
        batchSize: 1,
        includeMetadata: true,
        localConcurrency: 1,
        pollingIntervalSeconds: i === 0 ? SCOUT_POLL_SECONDS : crewPollSeconds,
        heartbeatRefreshSeconds,
      },
      async ([job]) => {
        if (!job) return;
        if (member.id) {
          busy.add(member.id);
          boss.notifyWorker(member.id);
        }
        wake();
        try {
          return await handler(job);
        } finally {
          busy.delete(member.id);
        }
      },
    );
    members.push(member.id);
  }
  return { wake };
}
