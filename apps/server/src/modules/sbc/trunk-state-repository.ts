import { eq, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { sbcTrunkStates } from "./schema.js";

export type TrunkState = (typeof sbcTrunkStates.$inferSelect)["state"];

/**
 * The sbc module's own table of last-seen trunk states. Written only by the change watch, which acts for
 * the platform (enterprise ids it got from the SBC itself), so these methods are by enterprise id.
 */
export function trunkStateRepository(db: Executor) {
  return {
    /** The stored state, locked until the end of `tx` so two watch ticks cannot both report a change. */
    async lock(enterpriseId: string, tx: Executor = db) {
      // Also when there is no row yet (the first state seen): a transaction-scoped advisory lock.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sbc-trunk:${enterpriseId}`}))`);
      const [row] = await tx
        .select()
        .from(sbcTrunkStates)
        .where(eq(sbcTrunkStates.enterpriseAccountId, enterpriseId))
        .for("update");
      return row;
    },

    async save(enterpriseId: string, values: { state: TrunkState; trunk: string }, tx: Executor = db) {
      const now = new Date();
      await tx
        .insert(sbcTrunkStates)
        .values({ enterpriseAccountId: enterpriseId, ...values, changedAt: now, checkedAt: now })
        .onConflictDoUpdate({
          target: sbcTrunkStates.enterpriseAccountId,
          set: { ...values, changedAt: now, checkedAt: now },
        });
    },

    async touch(enterpriseId: string, tx: Executor = db) {
      await tx
        .update(sbcTrunkStates)
        .set({ checkedAt: new Date() })
        .where(eq(sbcTrunkStates.enterpriseAccountId, enterpriseId));
    },
  };
}
