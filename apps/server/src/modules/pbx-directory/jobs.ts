import { z } from "zod";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database } from "../../db/client.js";
import { defineJob, type JobDefinition } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { accountRepository, tenantScope } from "../tenancy/index.js";
import { syncDirectory } from "./service.js";

const payload = z.object({ enterpriseAccountId: z.uuid() });
type Payload = z.infer<typeof payload>;

/** Reads an enterprise's PBX directory from its source (one waiting and one running per enterprise). */
export function pbxDirectorySyncJob(deps: { db: Database; secrets: SecretBox }): JobDefinition<Payload> {
  return defineJob({
    name: "pbx-directory-sync",
    payload,
    deduplicate: "perKey",
    retryLimit: 3,
    retryDelaySeconds: 30,
    async handle({ enterpriseAccountId }, { signal }) {
      const enterprise = await accountRepository(deps.db).findById(enterpriseAccountId);
      if (!enterprise) return; // removed since the job was queued
      await syncDirectory(deps, tenantScope(enterprise), signal);
    },
  });
}

export function enqueueDirectorySync(
  deps: { db: Database; secrets: SecretBox; jobs: JobQueue },
  enterpriseAccountId: string,
) {
  return deps.jobs.enqueue(
    pbxDirectorySyncJob(deps),
    { enterpriseAccountId },
    { singletonKey: enterpriseAccountId },
  );
}
