import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import type { Database } from "../../db/client.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import type { SbcAdapterHandle } from "../sbc/index.js";
import { callRecordsRepository } from "./records.js";
import { callLogsRepository } from "./repository.js";
import { callLogsService } from "./service.js";

/** What the call-logs routes, jobs and schedule may use; each takes a `Pick<CallLogsDeps, …>`. */
export interface CallLogsDeps {
  config: Config;
  db: Database;
  log: Logger;
  jobs: JobQueue;
  /** The SBC adapter of this process: its database holds the CDRs. */
  sbc: SbcAdapterHandle;
}

export const callRecordsOf = (deps: Pick<CallLogsDeps, "sbc">) =>
  callRecordsRepository(async () => (await deps.sbc.get()).callRecords());

export const callLogsOf = (deps: Pick<CallLogsDeps, "db" | "sbc">) =>
  callLogsService({ portal: callLogsRepository(deps.db), records: callRecordsOf(deps) });
