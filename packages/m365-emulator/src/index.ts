import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import type { EmulatorContext } from "./context.js";
import { loadOrCreateSigningKey } from "./identity/keys.js";
import { TokenService } from "./identity/tokens.js";
import { resolveScenario } from "./scenario/load.js";
import type { Scenario } from "./scenario/schema.js";
import { buildServer } from "./server.js";
import { EmulatorState } from "./state/store.js";
import { issueServerCertificate, loadOrCreateCa } from "./tls/ca.js";

export {
  DEMO_APP,
  DEMO_APP_PERMISSIONS,
  DEMO_COUNTS,
  DEMO_PASSWORDS,
  DEMO_TENANTS,
  demoScenario,
} from "./scenario/demo.js";
export { GENERATED_USER_MIX, generatedUserCounts, generateUsers } from "./scenario/generator.js";
export { resolveScenario } from "./scenario/load.js";
export type { ParsedScenario, Scenario } from "./scenario/schema.js";
export { PLAN, ROLE, SKU_CATALOG, TEAMS_ADMIN_RESOURCE } from "./state/catalog.js";
export type { FaultConfig, FaultInput } from "./state/faults.js";
export type { RequestLogEntry, Tenant, User } from "./state/model.js";
export { EmulatorState } from "./state/store.js";

export interface StartedEmulator {
  /** "https://localhost:<port>"; identity endpoints live at the root. */
  url: string;
  /** `${url}/graph`; Graph v1.0 is at `${graphUrl}/v1.0`. */
  graphUrl: string;
  /** `${url}/teams-admin`; `/Teams.User/users`, `/Teams.Tenant/...` below it. */
  teamsAdminUrl: string;
  caCertPath: string;
  caCertPem: string;
  state: EmulatorState;
  /**
   * Takes the HTTPS server down as a front-end restart does: the port stops accepting connections, requests in
   * flight finish (so a write is never half-answered), idle keep-alive connections are dropped, and until `start()`
   * nothing answers. The state (tenants, operations, request log, faults) stays, as Microsoft's does meanwhile.
   */
  stop(): Promise<void>;
  /** Starts the HTTPS server again after `stop()`, on the same port, with the same state and data folder. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Folder for the CA and the token-signing key (created when missing, reused later). */
  dataDir: string;
  /** "demo" (default), a .json/.yaml path, or a scenario object. */
  scenario?: Scenario | string;
  /** Serve the endpoints the m365-emulator-pwsh stand-in uses (default true). */
  pwshStandIn?: boolean;
  /** Added latency for every request, in ms. */
  latencyMs?: number;
  /** Scales Microsoft's realistic delays (settings.timeFactor); overrides the scenario and M365_EMULATOR_TIME_FACTOR. */
  timeFactor?: number;
}

export async function startM365Emulator(opts: StartOptions): Promise<StartedEmulator> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const host = opts.host ?? "127.0.0.1";
  const ca = loadOrCreateCa(dataDir);
  const names = ["localhost", "127.0.0.1", "::1"];
  if (host !== "0.0.0.0" && host !== "::") names.push(host);
  const leaf = issueServerCertificate(ca, names);
  const signingKey = await loadOrCreateSigningKey(dataDir);
  const state = new EmulatorState();
  if (opts.timeFactor !== undefined) state.timeFactorOverride = opts.timeFactor;
  state.load(resolveScenario(opts.scenario));
  const ctx: EmulatorContext = {
    state,
    tokens: new TokenService(signingKey),
    signingKey,
    caCertPem: ca.certPem,
  };
  const listen = async (port: number) => {
    // The same CA, server certificate and signing key (all kept in the data folder), so clients and tokens from
    // before a restart stay valid.
    const server = await buildServer(ctx, {
      key: leaf.keyPem,
      cert: leaf.certPem,
      latencyMs: opts.latencyMs ?? 0,
      pwshStandIn: opts.pwshStandIn ?? true,
    });
    await server.listen({ port, host });
    return server;
  };
  let app: Awaited<ReturnType<typeof listen>> | null = await listen(opts.port ?? 0);
  const port = (app.server.address() as AddressInfo).port;
  const url = `https://localhost:${port}`;
  const stop = async () => {
    const running = app;
    app = null;
    if (!running) return;
    await running.close();
  };
  return {
    url,
    graphUrl: `${url}/graph`,
    teamsAdminUrl: `${url}/teams-admin`,
    caCertPath: ca.certPath,
    caCertPem: ca.certPem,
    state,
    stop,
    async start() {
      if (app) return;
      app = await listen(port);
    },
    async close() {
      state.dispose();
      await stop();
    },
  };
}
