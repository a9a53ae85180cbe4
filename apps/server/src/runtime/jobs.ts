import type { AppDeps } from "../http/app.js";
import type { JobDefinition } from "../jobs/define-job.js";

/** Every job handler of every module, wired to its dependencies. Workers refuse jobs not listed here. */
export function jobDefinitions(_deps: Omit<AppDeps, "jobs">): JobDefinition<any>[] {
  return [];
}
