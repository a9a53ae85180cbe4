import type pg from "pg";
import { HTABLE, type Table } from "./rows.js";
import { isNotFound, type KamailioRpc } from "./rpc.js";
import { UAC_REG_ONGOING, UAC_REG_ONLINE } from "./status.js";
import type { Pending } from "./write.js";

/** JSON-RPC calls in flight at once when (un)registering many devices. */
const RPC_CONCURRENCY = 8;

/**
 * Tells the running Kamailio nodes to use what was written: on each node, table reloads, then
 * registrations; then forgets the pending work. A node that fails throws, so the job is retried and
 * every node is told again (each call is idempotent).
 */
export async function activatePending(
  nodes: KamailioRpc[],
  pool: pg.Pool,
  enterpriseId: string,
  pending: Pending,
): Promise<void> {
  for (const rpc of nodes) await activateOn(rpc, pending);
  await pool.query(
    `delete from sip2teams_sbc_pending where enterprise_id = $1
       and tables = $2 and refresh = $3 and unregister = $4`,
    [enterpriseId, pending.tables, pending.refresh, pending.unregister],
  );
}

async function activateOn(rpc: KamailioRpc, pending: Pending): Promise<void> {
  const reloads: Record<Table, [string, unknown[]]> = {
    domain: ["domain.reload", []],
    dispatcher: ["dispatcher.reload", []],
    address: ["permissions.addressReload", []],
    htable: ["htable.reload", [HTABLE]],
  };
  for (const table of pending.tables) {
    const [method, params] = reloads[table];
    await withReloadRetry(() => rpc(method, params));
  }
  // A removed device is unregistered (REGISTER with Expires: 0) before leaving Kamailio's memory.
  await eachLimited(pending.unregister, RPC_CONCURRENCY, async (id) => {
    try {
      await rpc("uac.reg_unregister", ["l_uuid", id]);
      await waitUntilOffline(rpc, id, 3_000);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      await rpc("uac.reg_remove", [id]);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  });
  // New or changed devices (e.g. a regenerated password) are re-read and re-registered.
  // uac.reg_refresh per record, not uac.reg_reload (rate-limited, reloads everything).
  await eachLimited(pending.refresh, RPC_CONCURRENCY, async (id) => {
    try {
      await rpc("uac.reg_refresh", [id]);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  });
}

/** Runs `task` for every item, at most `limit` at once. */
async function eachLimited<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** dispatcher and permissions refuse a reload within `reload_delta` of the previous one ("Ongoing reload"). */
async function withReloadRetry<T>(call: () => Promise<T>, attempts = 12): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (
        attempt >= attempts ||
        !(error instanceof Error) ||
        !/ongoing reload|reload.*too soon/i.test(error.message)
      )
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function waitUntilOffline(rpc: KamailioRpc, id: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = await rpc<{ flags: number }>("uac.reg_info", ["l_uuid", id]);
    if ((info.flags & UAC_REG_ONLINE) === 0 && (info.flags & UAC_REG_ONGOING) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
