import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import type { SecretBox } from "../crypto/secret-box.js";
import type { Database } from "../db/client.js";
import type { MicrosoftSignInPort } from "../modules/identity/index.js";
import {
  createMicrosoftPort,
  type MicrosoftPort,
  microsoftSignInAdapter,
  resolvePwshPath,
  standInEnvironment,
} from "../modules/microsoft/index.js";
import { effectiveOperatorSettings } from "../modules/operator-settings/index.js";
import { type SbcAdapterHandle, sbcAdapterHandle } from "../modules/sbc/index.js";

/**
 * The composition root: the long-lived adapters every module is handed, built once per process.
 * Modules never build these themselves and hold no process-wide registries.
 */
export interface Container {
  microsoft: MicrosoftPort;
  microsoftSignIn: MicrosoftSignInPort;
  sbc: SbcAdapterHandle;
  close(): Promise<void>;
}

export function buildContainer(deps: {
  config: Config;
  db: Database;
  secrets: SecretBox;
  log: Logger;
  /** The demo SBC's "not running" reason (`sip2teams start`), shown in the SBC status. */
  sbcNotRunning?: string | undefined;
}): Container {
  const { config } = deps;
  const pwshPath = resolvePwshPath(config);
  const microsoft = createMicrosoftPort({
    readSettings: async () => (await effectiveOperatorSettings(deps)).microsoft,
    log: deps.log,
    pwshPath,
    pwshEnvironment: (settings) => standInEnvironment(pwshPath, config.m365EmulatorUrl ?? settings.loginUrl),
  });
  const sbc = sbcAdapterHandle({ ...deps, notRunning: deps.sbcNotRunning });
  return {
    microsoft,
    sbc,
    microsoftSignIn: microsoftSignInAdapter({ db: deps.db, microsoft }),
    async close() {
      await microsoft.close();
      await sbc.close();
    },
  };
}
