import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Config } from "../../../config/config.js";

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

/**
 * Environment for the emulator's stand-in: the emulator's URL and its CA (trusted by this process, not by the
 * child). Real pwsh gets nothing extra.
 */
export async function standInEnvironment(
  pwshPath: string,
  emulatorUrl: string,
): Promise<Record<string, string>> {
  if (!pwshPath.includes("m365-emulator-pwsh")) return {};
  const env: Record<string, string> = { M365_EMULATOR_URL: emulatorUrl };
  try {
    const response = await fetch(`${emulatorUrl}/_emulator/ca.pem`);
    if (response.ok) env.M365_EMULATOR_CA = await response.text();
  } catch {
    // the stand-in reports the TLS error itself
  }
  return env;
}
