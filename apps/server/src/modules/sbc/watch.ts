import { startPeriodic } from "../../jobs/periodic.js";
import type { SbcDeps } from "./deps.js";
import { enqueueSbcSync } from "./jobs.js";
import { changedEnterpriseIds } from "./repository.js";
import { checkTrunkStates } from "./trunk-state.js";

/** How often the portal's tables are checked for changes the SBC has not seen. */
export const SBC_WATCH_SECONDS = 10;
/** How often every enterprise is re-synchronised (repairs an SBC that lost its state; hard deletes come through sbc_deletions). */
export const SBC_FULL_SYNC_SECONDS = 300;
/** A change committed late (long transaction) is still seen: look back this far. */
const LOOK_BACK_MS = 15_000;

type Deps = Pick<SbcDeps, "db" | "jobs" | "log" | "sbc">;

/**
 * Enterprises whose trunk profile, provisioned users, SIP devices or account changed since `since`
 * (every enterprise with a trunk profile, and every one the SBC still holds, when `since` is null).
 */
export async function changedEnterprises(deps: Deps, since: Date | null): Promise<string[]> {
  const ids = new Set(await changedEnterpriseIds(deps.db, since));
  if (!since) for (const id of await (await deps.sbc.get()).enterpriseIds()) ids.add(id);
  return [...ids];
}

/**
 * The change feed toward the SBC: every few seconds, a sync for each enterprise whose data changed,
 * and now and then for all. Modules that change SBC-relevant data should also call enqueueSbcSync
 * right away; this loop makes the SBC converge even when one does not, or a job was lost.
 */
export function startSbcWatch(deps: Deps): () => Promise<void> {
  let lastCheck: Date | null = null;
  let lastFull = 0;
  return startPeriodic({
    name: "SBC change watch",
    firstAfterMs: 1_000,
    everyMs: SBC_WATCH_SECONDS * 1000,
    log: deps.log,
    async pass(stopping) {
      const startedAt = new Date();
      try {
        const full = Date.now() - lastFull >= SBC_FULL_SYNC_SECONDS * 1000;
        const since = full || !lastCheck ? null : new Date(lastCheck.getTime() - LOOK_BACK_MS);
        const ids = await changedEnterprises(deps, since);
        for (const id of ids) {
          if (stopping.aborted) return;
          await enqueueSbcSync(deps.jobs, id);
        }
        if (full) lastFull = Date.now();
        lastCheck = startedAt;
      } catch (error) {
        deps.log.warn({ err: error }, "SBC change watch failed");
      }
      if (stopping.aborted) return;
      try {
        // Trunk up/down: each pass reads the SBC's OPTIONS state and reports changes as webhook events.
        await checkTrunkStates(deps, await deps.sbc.get());
      } catch (error) {
        deps.log.warn({ err: error }, "SBC trunk state check failed");
      }
    },
  });
}
