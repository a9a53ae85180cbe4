import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineJob, RetryLater } from "../src/jobs/define-job.js";
import { createJobQueue, type JobQueue } from "../src/jobs/job-queue.js";
import { freshDatabaseUrl } from "./support/database.js";

const log = pino({ level: "silent" });

async function waitFor(check: () => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("job queue", () => {
  let url: string;
  const queues: JobQueue[] = [];
  beforeAll(async () => {
    url = await freshDatabaseUrl();
  });
  afterAll(async () => {
    for (const queue of queues) await queue.stop();
  });

  it("runs a typed job, retries a failure and reschedules on RetryLater", async () => {
    const seen: string[] = [];
    let failures = 0;
    let waits = 0;
    const job = defineJob({
      name: "test.greet",
      payload: z.object({ who: z.string() }),
      retryDelaySeconds: 1,
      retryBackoff: false,
      async handle({ who }) {
        if (who === "flaky" && failures++ === 0) throw new Error("first attempt fails");
        if (who === "throttled" && waits++ === 0) throw new RetryLater(1);
        seen.push(who);
      },
    });
    const queue = await createJobQueue({ databaseUrl: url, log, definitions: () => [job] });
    queues.push(queue);
    await queue.startWorkers();
    await queue.enqueue(job, { who: "ada" });
    await queue.enqueue(job, { who: "flaky" });
    await queue.enqueue(job, { who: "throttled" });
    await waitFor(() => seen.length === 3);
    expect(seen.sort()).toEqual(["ada", "flaky", "throttled"]);
    expect(failures).toBe(2);
    expect(waits).toBe(2);
    await expect(queue.enqueue(job, { who: 42 } as never)).rejects.toThrow();
  });

  it("polls an idle queue with one worker, and a backlog wakes the rest of the crew at once", async () => {
    let running = 0;
    let finished = 0;
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const job = defineJob({
      name: "test.crew",
      payload: z.object({ n: z.number() }),
      concurrency: 4,
      async handle() {
        running++;
        await gate;
        running--;
        finished++;
      },
    });
    // The crew's own poll is set beyond the test's length: whatever it fetches, a wake-up asked for.
    const queue = await createJobQueue({
      databaseUrl: url,
      log,
      definitions: () => [job],
      crewPollSeconds: 3600,
    });
    queues.push(queue);
    await queue.startWorkers();
    const fetchedOn = () =>
      queue.boss
        .getWipData()
        .filter((w) => w.name === job.name)
        .map((w) => w.lastFetchedOn ?? 0);
    // Idle: the scout fetches every half second; the crew, after its first fetch, sleeps.
    await waitFor(() => fetchedOn().every((on) => on > 0));
    const before = fetchedOn();
    await waitFor(() => fetchedOn().filter((on, i) => on > (before[i] ?? 0)).length >= 1);
    const scoutAgain = fetchedOn();
    await waitFor(() => (fetchedOn()[0] ?? 0) > (scoutAgain[0] ?? 0));
    expect(fetchedOn().filter((on, i) => on > (before[i] ?? 0))).toHaveLength(1);

    // A backlog queued by another process (a `serve`: no wake-up from enqueue): the scout's poll finds the first
    // job, and the four run together, the crew woken by the job starts (its own poll is an hour away).
    const producer = await createJobQueue({ databaseUrl: url, log, definitions: () => [job] });
    queues.push(producer);
    for (let n = 0; n < 6; n++) await producer.enqueue(job, { n });
    await waitFor(() => running === 4);
    openGate();
    await waitFor(() => finished === 6);
    expect(running).toBe(0);
  });

  it("queues one waiting job per key on a deduplicating queue", async () => {
    const job = defineJob({
      name: "test.per-key",
      payload: z.object({ n: z.number() }),
      deduplicate: "perKey",
      handle: async () => {},
    });
    const queue = await createJobQueue({ databaseUrl: url, log, definitions: () => [job] });
    queues.push(queue);
    expect(await queue.enqueue(job, { n: 1 }, { singletonKey: "enterprise-1" })).not.toBeNull();
    expect(await queue.enqueue(job, { n: 2 }, { singletonKey: "enterprise-1" })).toBeNull();
    expect(await queue.enqueue(job, { n: 3 }, { singletonKey: "enterprise-2" })).not.toBeNull();
    await expect(queue.enqueue(job, { n: 4 })).rejects.toThrow(/singletonKey/);
  });

  it("refuses to start workers when a queued job has no handler", async () => {
    const orphan = defineJob({ name: "test.orphan", payload: z.object({}), handle: async () => {} });
    const producer = await createJobQueue({ databaseUrl: url, log, definitions: () => [orphan] });
    queues.push(producer);
    await producer.enqueue(orphan, {});
    const worker = await createJobQueue({ databaseUrl: url, log, definitions: () => [] });
    queues.push(worker);
    await expect(worker.startWorkers()).rejects.toThrow(/test\.orphan/);
  });
});
