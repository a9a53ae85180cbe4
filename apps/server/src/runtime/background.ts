import { startIdempotencyPurgeSchedule } from "../http/idempotency-purge.js";
import { startCallLogsPurgeSchedule } from "../modules/call-logs/index.js";
import { startSbcWatch } from "../modules/sbc/index.js";
import { startTeamsUsersSchedule } from "../modules/teams-users/index.js";
import { startUsageSchedule } from "../modules/usage/index.js";
import { startWebhookRelay } from "../modules/webhooks/index.js";
import type { AppDeps } from "./app-deps.js";

/**
 * Periodic loops that find due work and enqueue jobs (Teams user sync schedule, SBC change watch).
 * They run where the workers run — `serve` with RUN_WORKERS, or `worker` — and only enqueue, so several
 * processes running them at once queue nothing twice.
 */
export function startBackgroundLoops(deps: AppDeps): () => Promise<void> {
  const stops = [
    startTeamsUsersSchedule(deps),
    startSbcWatch(deps),
    startUsageSchedule(deps),
    startCallLogsPurgeSchedule(deps),
    startWebhookRelay(deps),
    startIdempotencyPurgeSchedule(deps),
  ];
  // Each loop's stop waits for its pass in flight: the job queue is stopped after them.
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
