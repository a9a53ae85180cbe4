import pg from "pg";
import type { Logger } from "pino";
import { hearConnectionLoss } from "../../../db/client.js";
import type { SbcAdapter } from "../adapter.js";
import { activatePending } from "./activate.js";
import type { KamailioRole } from "./role.js";
import { type KamailioRpc, kamailioRpc } from "./rpc.js";
import { installKamailioSchema } from "./schema.js";
import { readStatus, statusNode } from "./status.js";
import { writeEnterprise } from "./write.js";

export interface KamailioAdapterOptions {
  /** The SBC database (Kamailio's `DBURL`). */
  databaseUrl: string;
  /** Kamailio JSON-RPC over HTTP; unset: tables are written but Kamailio is not told to reload. */
  rpcUrl?: string | undefined;
  /**
   * Further SBC nodes on the same database (their JSON-RPC URLs): every activation (reloads,
   * registrations) is sent to them too, and the status reads each node's live state.
   */
  otherNodeRpcUrls?: string[] | undefined;
  /** Where Kamailio's `*-create.sql` files are (Debian: /usr/share/kamailio/postgres). */
  schemaDir: string;
  /** Kamailio's own database role, created and granted read access to Kamailio's tables only. */
  kamailioRole?: KamailioRole | undefined;
  /** Microsoft's SIP proxies, dispatcher set 1 (OPTIONS keep-alives, PBX → Teams calls). */
  microsoftProxies: string[];
  log: Logger;
  /** Why Kamailio is not running, when known (the demo SBC of `sip2teams start`): the status says so. */
  notRunning?: string | undefined;
  /** Registration expiry asked of the PBX, seconds. */
  registrationExpires?: number;
}

/**
 * The Kamailio 5.6 adapter: writes `uacreg`, `domain`, `dispatcher`, `address` and `htable` in the
 * SBC database (sbc/kamailio/kamailio.cfg reads them), then reloads them over JSON-RPC.
 * Row layout, htable keys and the RPC calls are documented in ../README.md. The jobs are split:
 * `write.ts` (the desired state into the tables), `rows.ts` (the rows of a trunk, its devices and numbers,
 * digest HA1), `activate.ts` (reloads and registrations over JSON-RPC), `status.ts` (live state),
 * `schema.ts` and `role.ts` (Kamailio's schema and read-only role).
 */
export function kamailioAdapter(options: KamailioAdapterOptions): SbcAdapter & {
  pool: pg.Pool;
  ready(): Promise<void>;
} {
  const pool = hearConnectionLoss(
    new pg.Pool({
      connectionString: options.databaseUrl,
      max: 4,
      idleTimeoutMillis: 5_000,
      allowExitOnIdle: true,
    }),
  );
  const rpc: KamailioRpc | null = options.rpcUrl ? kamailioRpc(options.rpcUrl) : null;
  const otherNodes = (options.otherNodeRpcUrls ?? []).map((url) => kamailioRpc(url));
  // Status asks each node with a shorter timeout and remembers a node that ran out of time.
  const statusNodes = options.rpcUrl
    ? [options.rpcUrl, ...(options.otherNodeRpcUrls ?? [])].map((url) => statusNode(url))
    : [];
  const settings = {
    microsoftProxies: options.microsoftProxies,
    expires: options.registrationExpires ?? 600,
  };
  const log = options.log.child({ component: "sbc-kamailio" });

  let readyPromise: Promise<void> | null = null;
  const ready = () => {
    readyPromise ??= installKamailioSchema(pool, options.schemaDir, options.kamailioRole).then(
      (installed) => {
        if (installed.length > 0) log.info({ installed }, "Kamailio schema installed in the SBC database");
      },
      (error) => {
        readyPromise = null;
        throw error;
      },
    );
    return readyPromise;
  };

  return {
    kind: "kamailio",
    pool,
    ready,

    async sync(enterpriseId, desired) {
      await ready();
      const { result, pending } = await writeEnterprise(pool, settings, enterpriseId, desired);
      const hasWork = pending.tables.length + pending.refresh.length + pending.unregister.length > 0;
      if (!rpc) {
        return {
          ...result,
          activated: !hasWork,
          ...(hasWork
            ? { note: "KAMAILIO_RPC_URL is not set: written to the SBC database, not reloaded" }
            : {}),
        };
      }
      if (hasWork) await activatePending([rpc, ...otherNodes], pool, enterpriseId, pending);
      return { ...result, activated: true };
    },

    async status(enterpriseId) {
      await ready();
      const status = await readStatus(pool, statusNodes, enterpriseId);
      if (!rpc && options.notRunning) status.live.error = options.notRunning;
      return status;
    },

    async enterpriseIds() {
      await ready();
      const rows = await pool.query<{ enterprise_id: string }>(
        "select enterprise_id from sip2teams_sbc_state",
      );
      return rows.rows.map((row) => row.enterprise_id);
    },

    async callRecords() {
      await ready();
      return {
        async query<Row extends Record<string, unknown>>(text: string, values: unknown[]) {
          return (await pool.query<Row>(text, values)).rows;
        },
      };
    },

    async close() {
      await pool.end();
    },
  };
}
