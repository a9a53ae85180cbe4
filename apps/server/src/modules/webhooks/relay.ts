import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { startPeriodic } from "../../jobs/periodic.js";
import { webhookDeliveryJobRef } from "./delivery.js";
import { webhookRepository } from "./repository.js";

const RELAY_INTERVAL_MS = 1000;

/**
 * The outbox relay: queues a delivery job for every delivery `emitEvent` (or Redeliver) committed. Runs where
 * workers run; any number of processes may run it (claims skip locked rows).
 */
export function startWebhookRelay(deps: { db: Database; jobs: Pick<JobQueue, "enqueue">; log: Logger }) {
  const repository = webhookRepository(deps.db);
  return startPeriodic({
    name: "webhook relay pass",
    firstAfterMs: 0,
    everyMs: RELAY_INTERVAL_MS,
    log: deps.log,
    async pass(stopping) {
      while (!stopping.aborted) {
        const queued = await repository.claimUnqueued(100, async (ids) => {
          for (const deliveryId of ids) await deps.jobs.enqueue(webhookDeliveryJobRef, { deliveryId });
        });
        if (queued === 0) break;
      }
    },
  });
}
