import { and, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { type TenantScope, withinScope } from "../tenancy/index.js";
import {
  type DirectRoutingSetup,
  type DirectRoutingSetupStep,
  directRoutingSetupSteps,
  directRoutingSetups,
} from "./schema.js";

type SetupValues = Partial<typeof directRoutingSetups.$inferInsert>;

/**
 * The Direct Routing setup of each enterprise and its checklist steps. Tenant methods take the acting scope:
 * a setup of an enterprise outside it is not found and not changed. `run` holds what the setup job does for
 * the one enterprise it runs for (past the access gate, by id).
 */
export function setupRepository(db: Executor) {
  const setupIn = (scope: TenantScope) => withinScope(scope, directRoutingSetups.enterpriseAccountId);
  const stepsIn = (scope: TenantScope) => withinScope(scope, directRoutingSetupSteps.enterpriseAccountId);
  const setupOf = (enterpriseAccountId: string) =>
    eq(directRoutingSetups.enterpriseAccountId, enterpriseAccountId);
  const stepsOf = (enterpriseAccountId: string) =>
    eq(directRoutingSetupSteps.enterpriseAccountId, enterpriseAccountId);
  return {
    async find(scope: TenantScope, enterpriseAccountId: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(directRoutingSetups)
        .where(and(setupOf(enterpriseAccountId), setupIn(scope)));
      return row as DirectRoutingSetup | undefined;
    },

    async steps(scope: TenantScope, enterpriseAccountId: string, tx: Executor = db) {
      return tx
        .select()
        .from(directRoutingSetupSteps)
        .where(and(stepsOf(enterpriseAccountId), stepsIn(scope)));
    },

    /**
     * Prepares a new run: failed and waiting steps go back to pending; with `recheck`, every step does, so
     * the job reads the tenant again (and writes only what drifted).
     */
    async resetForRun(
      scope: TenantScope,
      enterpriseAccountId: string,
      options: { recheck?: boolean } = {},
      tx: Executor = db,
    ) {
      const statuses = options.recheck
        ? (["done", "failed", "waiting", "pending", "running"] as const)
        : (["failed", "waiting", "running"] as const);
      await tx
        .update(directRoutingSetupSteps)
        // A failed wait starts afresh on "Run again" (its `since` is over); "Check now" keeps a live wait's `since`.
        .set({
          status: "pending",
          data: sql`case when ${directRoutingSetupSteps.status} = 'failed' then ${directRoutingSetupSteps.data} - 'waiting' else ${directRoutingSetupSteps.data} end`,
          updatedAt: new Date(),
        })
        .where(
          and(
            stepsOf(enterpriseAccountId),
            inArray(directRoutingSetupSteps.status, [...statuses]),
            stepsIn(scope),
          ),
        );
      await tx
        .update(directRoutingSetups)
        .set({ status: "queued", lastError: null, updatedAt: new Date() })
        .where(and(setupOf(enterpriseAccountId), setupIn(scope)));
    },

    /** The setup status of each of these enterprises within the scope. */
    async statuses(scope: TenantScope, enterpriseAccountIds: string[], tx: Executor = db) {
      if (enterpriseAccountIds.length === 0) return [];
      return tx
        .select({
          enterpriseAccountId: directRoutingSetups.enterpriseAccountId,
          status: directRoutingSetups.status,
        })
        .from(directRoutingSetups)
        .where(and(inArray(directRoutingSetups.enterpriseAccountId, enterpriseAccountIds), setupIn(scope)));
    },

    run: {
      /** One run per enterprise at a time: a transaction-scoped advisory lock (released if the process dies). */
      async tryLock(enterpriseAccountId: string, tx: Executor) {
        const locked = await tx.execute(
          sql`select pg_try_advisory_xact_lock(hashtext(${`dr-setup:${enterpriseAccountId}`})) as ok`,
        );
        return Boolean((locked.rows[0] as { ok: boolean } | undefined)?.ok);
      },

      async find(enterpriseAccountId: string, tx: Executor = db) {
        const [row] = await tx.select().from(directRoutingSetups).where(setupOf(enterpriseAccountId));
        return row as DirectRoutingSetup | undefined;
      },

      async ensureRows(enterpriseAccountId: string, tenantId: string, stepKeys: readonly string[], tx = db) {
        await tx
          .insert(directRoutingSetups)
          .values({ enterpriseAccountId, tenantId, status: "queued" })
          .onConflictDoUpdate({ target: directRoutingSetups.enterpriseAccountId, set: { tenantId } });
        await tx
          .insert(directRoutingSetupSteps)
          .values(stepKeys.map((key) => ({ enterpriseAccountId, key })))
          .onConflictDoNothing();
      },

      async steps(enterpriseAccountId: string, tx: Executor = db) {
        return tx.select().from(directRoutingSetupSteps).where(stepsOf(enterpriseAccountId));
      },

      async setStep(
        enterpriseAccountId: string,
        key: string,
        values: Partial<DirectRoutingSetupStep>,
        tx: Executor = db,
      ) {
        await tx
          .update(directRoutingSetupSteps)
          .set({ ...values, updatedAt: new Date() })
          .where(and(stepsOf(enterpriseAccountId), eq(directRoutingSetupSteps.key, key)));
      },

      async setSetup(enterpriseAccountId: string, values: SetupValues, tx: Executor = db) {
        await tx
          .update(directRoutingSetups)
          .set({ ...values, updatedAt: new Date() })
          .where(setupOf(enterpriseAccountId));
      },
    },
  };
}

export type SetupRepository = ReturnType<typeof setupRepository>;
