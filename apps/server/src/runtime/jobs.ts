import { idempotencyPurgeJob } from "../http/idempotency-purge.js";
import type { JobDefinition } from "../jobs/define-job.js";
import { bulkImportJobs } from "../modules/bulk-import/index.js";
import { callLogsPurgeJob } from "../modules/call-logs/index.js";
import {
  carrierTrunkJob,
  directRoutingSetupJob,
  enterpriseDeleteJob,
} from "../modules/direct-routing-setup/index.js";
import { passwordResetMailJob } from "../modules/identity/index.js";
import { pbxDirectorySyncJob } from "../modules/pbx-directory/index.js";
import { sbcJobs } from "../modules/sbc/index.js";
import { teamsUsersJobs } from "../modules/teams-users/index.js";
import { usageSnapshotJob } from "../modules/usage/index.js";
import { webhookDeliveryJob } from "../modules/webhooks/index.js";
import type { AppDeps } from "./app-deps.js";

/** Every job handler of every module, wired to its dependencies. Workers refuse jobs not listed here. */
export function jobDefinitions(deps: AppDeps): JobDefinition[] {
  return [
    directRoutingSetupJob(deps),
    enterpriseDeleteJob(deps),
    passwordResetMailJob(deps),
    carrierTrunkJob(deps),
    ...teamsUsersJobs(deps),
    ...bulkImportJobs(deps),
    ...sbcJobs(deps),
    callLogsPurgeJob(deps),
    pbxDirectorySyncJob(deps),
    usageSnapshotJob(deps),
    webhookDeliveryJob(deps),
    idempotencyPurgeJob(deps),
  ];
}
