import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database } from "../../db/client.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import type { SbcAdapterHandle } from "./runtime.js";

/**
 * Everything the sbc module's routes, jobs and change watch may use; each takes the part it needs
 * (`Pick<SbcDeps, …>`). The composition root (runtime/) passes its full dependency object.
 */
export interface SbcDeps {
  config: Config;
  db: Database;
  log: Logger;
  jobs: JobQueue;
  secrets: SecretBox;
  /** The SBC adapter of this process (runtime/container.ts). */
  sbc: SbcAdapterHandle;
}
