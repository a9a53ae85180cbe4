import { eq } from "drizzle-orm";
import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import { defineJob, type JobDefinition } from "../../jobs/define-job.js";
import { provisioningQueue } from "../teams-users/jobs.js";
import { queueFor } from "../teams-users/queue-registry.js";
import { accountRepository } from "../tenancy/repository.js";
import { APPLY_JOB } from "./apply-state.js";
import { bulkImports } from "./schema.js";
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
        const [row] = await deps.db.select().from(bulkImports).where(eq(bulkImports.id, importId));
        if (!row || row.status !== "applying") return { skipped: true };
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
