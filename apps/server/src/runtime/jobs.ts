import type { AppDeps } from "../http/app.js";
import type { JobDefinition } from "../jobs/define-job.js";
import { bulkImportJobs } from "../modules/bulk-import/jobs.js";
import { directRoutingSetupJob } from "../modules/direct-routing-setup/jobs.js";
import { enterpriseDeleteJob } from "../modules/enterprises/jobs.js";
import { passwordResetMailJob } from "../modules/identity/password-reset.js";
import { carrierTrunkJob } from "../modules/operator-settings/jobs.js";
import { pbxDirectorySyncJob } from "../modules/pbx-directory/jobs.js";
import { sbcJobs } from "../modules/sbc/jobs.js";
import { teamsUsersJobs } from "../modules/teams-users/jobs.js";
import { usageSnapshotJob } from "../modules/usage/index.js";

/** Every job handler of every module, wired to its dependencies. Workers refuse jobs not listed here. */
export function jobDefinitions(deps: AppDeps): JobDefinition<any>[] {
  return [
    directRoutingSetupJob(deps),
    enterpriseDeleteJob(deps),
    passwordResetMailJob(deps),
    carrierTrunkJob(deps),
    ...teamsUsersJobs(deps),
    ...bulkImportJobs(deps),
    ...sbcJobs(deps),
    pbxDirectorySyncJob(deps),
    usageSnapshotJob(deps),
  ];
}
