import { z } from "zod";
import type { Config } from "../../config/config.js";
import type { Database } from "../../db/client.js";
import { defineJob, type JobDefinition, jobRef } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { type DeviceSecrets, provisioningQueue } from "../teams-users/index.js";
import { accountRepository } from "../tenancy/index.js";
import { APPLY_JOB } from "./apply-state.js";
import { bulkImportRepository } from "./repository.js";
import { applyImport } from "./service.js";

export { APPLY_JOB };

const payload = z.object({ importId: z.uuid() });

export const applyJobRef = jobRef({ name: APPLY_JOB, payload });

export interface BulkImportJobDeps {
  db: Database;
  config: Pick<Config, "NUMBER_QUARANTINE_DAYS">;
  secrets: DeviceSecrets;
  jobs: JobQueue;
}

export function bulkImportJobs(deps: BulkImportJobDeps): JobDefinition[] {
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
          {
            db: deps.db,
            secrets: deps.secrets,
            jobs: provisioningQueue(deps.jobs),
            numberQuarantineDays: deps.config.NUMBER_QUARANTINE_DAYS,
          },
          importId,
          enterprise,
          signal,
        );
      },
    }),
  ];
}
