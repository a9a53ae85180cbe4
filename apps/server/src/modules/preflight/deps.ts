import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database } from "../../db/client.js";
import type { MicrosoftPort } from "../microsoft/index.js";
import type { SbcAdapterHandle } from "../sbc/index.js";

/**
 * What the tenant health check reads with: the portal's database (through other modules' services), the
 * operator settings' inputs (config, secrets), the Microsoft port and the SBC. The composition root passes
 * its full dependency object.
 */
export interface PreflightDeps {
  db: Database;
  config: Config;
  secrets: SecretBox;
  microsoft: MicrosoftPort;
  sbc: SbcAdapterHandle;
}
