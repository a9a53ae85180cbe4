import { z } from "zod";
import type { Database } from "../../db/client.js";
import { defineJob, type JobDefinition } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { accountRepository } from "../tenancy/index.js";
import { applyCarrierTrunk, type CarrierTrunkDeps, markConfiguring } from "./carrier-trunk.js";

export const CARRIER_TRUNK_JOB = "carrier-trunk.apply";
const CARRIER_TRUNK_RETRY_LIMIT = 8;
const payload = z.object({});

/** Creates or updates the carrier's base-domain PSTN gateway; one waiting and one running at a time. */
export function carrierTrunkJob(deps: CarrierTrunkDeps): JobDefinition<z.infer<typeof payload>> {
  return defineJob({
    name: CARRIER_TRUNK_JOB,
    payload,
    retryLimit: CARRIER_TRUNK_RETRY_LIMIT,
    retryDelaySeconds: 5,
    retryBackoff: true,
    expireInSeconds: 300,
    deduplicate: "perKey",
    async handle(_payload, context) {
      return applyCarrierTrunk(deps, { lastAttempt: context.attempt >= CARRIER_TRUNK_RETRY_LIMIT });
    },
  });
}

/** Queues an apply (the page shows "configuring" until it has run). */
export async function enqueueCarrierTrunk(deps: {
  db: Database;
  jobs: Pick<JobQueue, "enqueue">;
}): Promise<void> {
  await markConfiguring(deps.db);
  await deps.jobs.enqueue(
    { name: CARRIER_TRUNK_JOB, payload, deduplicate: "perKey" },
    {},
    { singletonKey: CARRIER_TRUNK_JOB },
  );
}

/** After a consent flow connected an account: when it is the operator's, the carrier trunk is applied. */
export async function applyCarrierTrunkIfOperator(
  deps: { db: Database; jobs: Pick<JobQueue, "enqueue"> },
  accountId: string,
): Promise<void> {
  const account = await accountRepository(deps.db).findById(accountId);
  if (account?.kind === "operator") await enqueueCarrierTrunk(deps);
}
