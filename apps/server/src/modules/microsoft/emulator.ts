import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import { trustExtraCa } from "./trust.js";

export interface BuiltInEmulator {
  /** The configuration with the Microsoft endpoints and app registration pointed at the emulator. */
  config: Config;
  stop(): Promise<void>;
}

/**
 * The zero-setup default (M365_EMULATOR=auto without MICROSOFT_CLIENT_ID, or =on): starts the Microsoft 365
 * emulator with its demo scenario under DATA_DIR, trusts its CA in this process, and points the portal at it.
 */
export async function startBuiltInEmulator(config: Config, log: Logger): Promise<BuiltInEmulator> {
  const { startM365Emulator, DEMO_APP } = await import("@sip2teams/m365-emulator");
  const emulator = await startM365Emulator({
    port: config.M365_EMULATOR_PORT,
    dataDir: path.join(config.dataDir, "m365-emulator"),
    scenario: "demo",
    // Microsoft's delays (role propagation, activation…) five hundred times faster, so a demo still shows the
    // waiting states but finishes in seconds; M365_EMULATOR_TIME_FACTOR overrides it (1 = Microsoft's pace).
    ...(process.env.M365_EMULATOR_TIME_FACTOR ? {} : { timeFactor: 0.002 }),
  });
  trustExtraCa(emulator.caCertPem);
  log.info(
    { url: emulator.url },
    "Microsoft 365 emulator started (demo tenants contoso.example and fabrikam.example)",
  );
  return {
    config: {
      ...config,
      MICROSOFT_LOGIN_URL: emulator.url,
      MICROSOFT_GRAPH_URL: emulator.graphUrl,
      TEAMS_ADMIN_URL: emulator.teamsAdminUrl,
      MICROSOFT_CLIENT_ID: DEMO_APP.clientId,
      MICROSOFT_CLIENT_SECRET: DEMO_APP.clientSecret,
      m365EmulatorUrl: emulator.url,
    },
    stop: () => emulator.close(),
  };
}
