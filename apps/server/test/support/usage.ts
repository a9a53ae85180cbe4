import { expect } from "vitest";
import type { Account } from "../../src/modules/tenancy/schema.js";
import { USAGE_SNAPSHOT_JOB } from "../../src/modules/usage/index.js";
import type { SignedInUser } from "./factories.js";
import type { TestApp } from "./test-app.js";
import { waitFor } from "./wait-for.js";

/** Runs the usage snapshot job (as the schedule would, for `day`; default today) and waits for it to finish. */
export async function runUsageSnapshot(t: TestApp, day?: string) {
  const id = await t.deps.jobs.enqueue(USAGE_SNAPSHOT_JOB, day ? { day } : {});
  const job = await waitFor(`usage snapshot ${day ?? "today"}`, async () => {
    const found = await t.deps.jobs.boss.getJobById(USAGE_SNAPSHOT_JOB.name, id!);
    if (found?.state === "failed") throw new Error(`snapshot failed: ${JSON.stringify(found.output)}`);
    return found?.state === "completed" ? found : null;
  });
  return job.output as { written: number; minutesWritten: number | null };
}

/** GET …/usage of `account` as `user` (the current month unless `month`), expecting a 200; the JSON body. */
export async function fetchUsageReport(t: TestApp, user: SignedInUser, account: Account, month?: string) {
  const response = await t.app.inject({
    method: "GET",
    url: `/api/accounts/${account.id}/usage${month ? `?month=${month}` : ""}`,
    headers: user.headers,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}
