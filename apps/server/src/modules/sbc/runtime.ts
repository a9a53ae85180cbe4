import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import { type Database, ensureDatabase } from "../../db/client.js";
import type { SbcAdapter } from "./adapter.js";
import { kamailioAdapter } from "./kamailio/adapter.js";
import type { AppliedSyncs } from "./service.js";

type Deps = {
  config: Config;
  db: Database;
  log: Logger;
  /** Why the SBC is not running, when the process knows (the demo SBC of `sip2teams start`). */
  notRunning?: string | undefined;
};

/**
 * The SBC database: SBC_DATABASE_URL, or a database beside the portal's on the same server
 * ("kamailio" next to the embedded default "postgres", "<name>_kamailio" otherwise).
 */
export async function sbcDatabaseUrl(config: Config, db: Database): Promise<string> {
  if (config.SBC_DATABASE_URL) return config.SBC_DATABASE_URL;
  // drizzle() keeps its pg.Pool as $client; its connection string is the portal database URL.
  const pool = (db as unknown as { $client?: { options?: { connectionString?: string } } }).$client;
  const portalUrl = pool?.options?.connectionString;
  if (!portalUrl) throw new Error("SBC_DATABASE_URL is not set and the portal database URL is unknown");
  const portalName = decodeURIComponent(new URL(portalUrl).pathname.replace(/^\//, "")) || "postgres";
  const name = portalName === "postgres" ? "kamailio" : `${portalName}_kamailio`;
  try {
    return await ensureDatabase(portalUrl, name);
  } catch (error) {
    // Two first uses at once (the change watch and a job): the other one created it.
    const code = (error as { code?: string }).code;
    if (code !== "42P04" && code !== "23505") throw error;
    const url = new URL(portalUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }
}

/** The SBC adapter of this process: created on first use (its database may need creating), closed at shutdown. */
export interface SbcAdapterHandle {
  get(): Promise<SbcAdapter>;
  /** What each adapter of this process last applied (fingerprints), so an unchanged sync stops early. */
  readonly applied: AppliedSyncs;
  close(): Promise<void>;
}

/** Built once by the composition root; a failed creation is retried on the next use. */
export function sbcAdapterHandle(deps: Deps): SbcAdapterHandle {
  let adapter: Promise<SbcAdapter> | null = null;
  return {
    applied: new WeakMap(),
    get() {
      if (!adapter) {
        const created = (async () =>
          kamailioAdapter({
            databaseUrl: await sbcDatabaseUrl(deps.config, deps.db),
            rpcUrl: deps.config.KAMAILIO_RPC_URL,
            otherNodeRpcUrls: deps.config.KAMAILIO_OTHER_NODE_RPC_URLS,
            schemaDir: deps.config.KAMAILIO_SCHEMA_DIR,
            kamailioRole: { name: deps.config.KAMAILIO_DB_ROLE, password: deps.config.KAMAILIO_DB_PASSWORD },
            microsoftProxies: deps.config.SBC_MICROSOFT_PROXIES.split(",")
              .map((uri) => uri.trim())
              .filter(Boolean),
            log: deps.log,
            notRunning: deps.notRunning,
          }))();
        adapter = created;
        created.catch(() => {
          if (adapter === created) adapter = null;
        });
      }
      return adapter;
    },
    async close() {
      const current = adapter;
      adapter = null;
      await (await current?.catch(() => null))?.close();
    },
  };
}
