import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import { type MicrosoftDeps, microsoftRuntime } from "../microsoft/runtime.js";
import { createPowerShellPool, type PowerShellPool } from "./runner.js";

/** PWSH_PATH, else the emulator's stand-in when the emulator is in use, else `pwsh`. */
export function resolvePwshPath(config: Config): string {
  if (config.PWSH_PATH) return config.PWSH_PATH;
  if (config.usesM365Emulator || config.m365EmulatorUrl) {
    try {
      const require = createRequire(import.meta.url);
      let root = path.dirname(require.resolve("@sip2teams/m365-emulator"));
      while (!existsSync(path.join(root, "package.json")) && root !== path.dirname(root))
        root = path.dirname(root);
      const bin = path.join(root, "bin", "m365-emulator-pwsh.js");
      if (existsSync(bin)) return bin;
    } catch {
      // not installed: fall through
    }
  }
  return "pwsh";
}

const pools = new WeakMap<object, PowerShellPool>();

/** One pool of PowerShell processes per running server (keyed by its database handle). */
export function powershellFor(deps: MicrosoftDeps & { log: Logger }): PowerShellPool {
  let pool = pools.get(deps.db);
  if (!pool) {
    pool = createPowerShellPool({
      pwshPath: resolvePwshPath(deps.config),
      tokens: microsoftRuntime(deps).tokens,
      log: deps.log,
      env: async () => {
        const path = resolvePwshPath(deps.config);
        if (!path.includes("m365-emulator-pwsh")) return {};
        // The stand-in talks to the emulator: give it the URL and the emulator's CA (trusted by this process).
        const url =
          deps.config.m365EmulatorUrl ?? (await microsoftRuntime(deps).settings()).microsoft.loginUrl;
        const env: Record<string, string> = { M365_EMULATOR_URL: url };
        try {
          const response = await fetch(`${url}/_emulator/ca.pem`);
          if (response.ok) env.M365_EMULATOR_CA = await response.text();
        } catch {
          // the stand-in reports the TLS error itself
        }
        return env;
      },
    });
    pools.set(deps.db, pool);
  }
  return pool;
}

export async function closePowershell(deps: { db: object }): Promise<void> {
  const pool = pools.get(deps.db);
  pools.delete(deps.db);
  await pool?.close();
}
