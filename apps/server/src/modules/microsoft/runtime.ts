import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Executor } from "../../db/client.js";
import type { MicrosoftPort } from "./port.js";

/** What the Microsoft-facing services of this module need, passed in by the composition root. */
export interface MicrosoftDeps {
  db: Executor;
  config: Config;
  secrets: SecretBox;
  microsoft: MicrosoftPort;
}
