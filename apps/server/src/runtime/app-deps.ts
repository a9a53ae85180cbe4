import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import type { SecretBox } from "../crypto/secret-box.js";
import type { Database } from "../db/client.js";
import type { JobQueue } from "../jobs/job-queue.js";
import type { MicrosoftSignInPort } from "../modules/identity/index.js";
import type { Mailer } from "../modules/mail/index.js";
import type { MicrosoftPort } from "../modules/microsoft/index.js";
import type { SbcAdapterHandle } from "../modules/sbc/index.js";

/**
 * The composition's full dependency object, built once in runtime/boot.ts. Only the composition layer
 * (runtime/, cli.ts) uses it whole: each module declares the part it needs (`Pick<…>` of its own deps type),
 * and the composition root passes this object, which satisfies every one of them.
 */
export interface AppDeps {
  config: Config;
  db: Database;
  log: Logger;
  mailer: Mailer;
  jobs: JobQueue;
  secrets: SecretBox;
  /** The one way to Microsoft (Graph, identity platform, Teams PowerShell), built in runtime/container.ts. */
  microsoft: MicrosoftPort;
  /** Sign in with Microsoft, as the identity module sees it (the microsoft module's adapter). */
  microsoftSignIn: MicrosoftSignInPort;
  /** The SBC (Kamailio) adapter, created on first use. */
  sbc: SbcAdapterHandle;
}
