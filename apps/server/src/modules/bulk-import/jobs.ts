import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import { defineJob, type JobDefinition } from "../../jobs/define-job.js";
import { provisioningQueue, queueFor } from "../teams-users/index.js";
import { accountRepository } from "../tenancy/index.js";
import { APPLY_JOB } from "./apply-state.js";
import { bulkImportRepository } from "./repository.js";
import { applyImport } from "./service.js";

export { APPLY_JOB };

const payload = z.object({ importId: z.uuid() });

export const applyJobRef = { name: APPLY_JOB, payload, handle: async () => undefined } as JobDefinition<
  z.infer<typeof payload>
>;

export function bulkImportJobs(deps: Omit<AppDeps, "jobs">): JobDefinition<any>[] {
  return [
    defineJob({
      name: APPLY_JOB,
      payload,
      concurrency: 2,
      expireInSeconds: 3600,
      retryLimit: 3,
      async handle({ importId }, { signal }) {
        const row = await bulkImportRepository(deps.db).platform.findForJob(importId);
        if (row?.status !== "applying") return { skipped: true };
        const enterprise = await accountRepository(deps.db).findById(row.enterpriseAccountId);
        if (!enterprise) return { skipped: true };
        return applyImport(
          { db: deps.db, secrets: deps.secrets, jobs: provisioningQueue(queueFor(deps.db)) },
          importId,
          enterprise,
          signal,
        );
      },
    }),
  ];
}
