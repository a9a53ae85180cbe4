import { eq } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { type CarrierTrunkRow, carrierTrunk } from "./schema.js";

export type CarrierTrunkValues = Partial<typeof carrierTrunk.$inferInsert>;

/**
 * The carrier trunk: one platform-wide row (`id = 'default'`), the operator's own, so there is no tenant scope
 * to apply; only the operator's Admins reach it (the routes' policy).
 */
export function carrierTrunkRepository(db: Executor) {
  return {
    async load(tx: Executor = db): Promise<CarrierTrunkRow | undefined> {
      const [row] = await tx.select().from(carrierTrunk).where(eq(carrierTrunk.id, "default"));
      return row;
    },

    async save(values: CarrierTrunkValues, tx: Executor = db): Promise<void> {
      const set = { ...values, updatedAt: new Date() };
      await tx
        .insert(carrierTrunk)
        .values({ id: "default", ...set })
        .onConflictDoUpdate({ target: carrierTrunk.id, set });
    },
  };
}
