import type { Config } from "../../config/config.js";
import { type Database, ensureDatabase } from "../../db/client.js";
import type { AppDeps } from "../../http/app.js";
import type { SbcAdapter } from "./adapter.js";
import { kamailioAdapter } from "./kamailio/adapter.js";

type Deps = Pick<AppDeps, "config" | "db" | "log">;

const adapters = new WeakMap<Database, Promise<SbcAdapter>>();

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

/** One adapter per portal database handle (per running server), created on first use. */
export function sbcAdapterFor(deps: Deps): Promise<SbcAdapter> {
  let adapter = adapters.get(deps.db);
  if (!adapter) {
    adapter = (async () =>
      kamailioAdapter({
        databaseUrl: await sbcDatabaseUrl(deps.config, deps.db),
        rpcUrl: deps.config.KAMAILIO_RPC_URL,
        schemaDir: deps.config.KAMAILIO_SCHEMA_DIR,
        kamailioRole: { name: deps.config.KAMAILIO_DB_ROLE, password: deps.config.KAMAILIO_DB_PASSWORD },
        microsoftProxies: deps.config.SBC_MICROSOFT_PROXIES.split(",")
          .map((uri) => uri.trim())
          .filter(Boolean),
        log: deps.log,
      }))();
    adapter.catch(() => adapters.delete(deps.db));
    adapters.set(deps.db, adapter);
  }
  return adapter;
}

/** Closes the adapter of this database handle, if one was created (server shutdown). */
export async function closeSbcAdapter(db: Database): Promise<void> {
  const adapter = adapters.get(db);
  if (!adapter) return;
  adapters.delete(db);
  await (await adapter.catch(() => null))?.close();
}
