import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { webhookDeliveryJobRef } from "./delivery.js";
import { webhookRepository } from "./repository.js";

const RELAY_INTERVAL_MS = 1000;

/**
 * The outbox relay: queues a delivery job for every delivery `emitEvent` (or Redeliver) committed. Runs where
 * workers run; any number of processes may run it (claims skip locked rows).
 */
export function startWebhookRelay(deps: { db: Database; jobs: Pick<JobQueue, "enqueue">; log: Logger }) {
  const repository = webhookRepository(deps.db);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const pass = async () => {
    try {
      while (!stopped) {
        const queued = await repository.claimUnqueued(100, async (ids) => {
          for (const deliveryId of ids) await deps.jobs.enqueue(webhookDeliveryJobRef, { deliveryId });
        });
        if (queued === 0) break;
      }
    } catch (error) {
      deps.log.warn({ err: error }, "webhook relay pass failed");
    }
    if (!stopped) timer = setTimeout(pass, RELAY_INTERVAL_MS);
  };
  timer = setTimeout(pass, 0);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
