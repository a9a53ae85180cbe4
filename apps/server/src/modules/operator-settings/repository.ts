import { asc, eq, inArray, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { afterKeyset, keysetOrder } from "../../db/keyset.js";
import { type OperatorSettingsRow, operatorSettings, type SbcRegion, sbcRegions } from "./schema.js";

type SettingsValues = Partial<typeof operatorSettings.$inferInsert>;
type RegionValues = Pick<typeof sbcRegions.$inferInsert, "name" | "sbcFqdns" | "sipPort">;

/**
 * The operator's settings (one platform-wide row, `id = 'default'`) and the SBC regions. Neither is tenant
 * data: every account reads the regions, and only the operator's Admins change either (the routes' policy),
 * so no method takes a tenant scope.
 */
export function operatorSettingsRepository(db: Executor) {
  return {
    async load(tx: Executor = db): Promise<OperatorSettingsRow | undefined> {
      const [row] = await tx.select().from(operatorSettings).where(eq(operatorSettings.id, "default"));
      return row;
    },

    async save(values: SettingsValues, tx: Executor = db): Promise<void> {
      await tx
        .insert(operatorSettings)
        .values({ id: "default", ...values })
        .onConflictDoUpdate({ target: operatorSettings.id, set: values });
    },

    regions: {
      async list(tx: Executor = db): Promise<SbcRegion[]> {
        return tx.select().from(sbcRegions).orderBy(asc(sbcRegions.name));
      },

      /** A page of the regions by name (then id): `limit` rows after `after`. */
      async page(page: { after?: readonly [string, string]; limit: number }, tx: Executor = db) {
        const keys = [sbcRegions.name, sbcRegions.id];
        return tx
          .select()
          .from(sbcRegions)
          .where(page.after && afterKeyset(keys, page.after))
          .orderBy(...keysetOrder(keys))
          .limit(page.limit);
      },

      async find(ids: string[], tx: Executor = db): Promise<SbcRegion[]> {
        if (ids.length === 0) return [];
        return tx.select().from(sbcRegions).where(inArray(sbcRegions.id, ids)).orderBy(asc(sbcRegions.name));
      },

      async byName(name: string, tx: Executor = db): Promise<SbcRegion | undefined> {
        const [row] = await tx
          .select()
          .from(sbcRegions)
          .where(sql`lower(${sbcRegions.name}) = lower(${name})`);
        return row;
      },

      async insert(values: RegionValues, tx: Executor = db): Promise<SbcRegion> {
        const [row] = await tx.insert(sbcRegions).values(values).returning();
        return row!;
      },

      async update(id: string, values: RegionValues, tx: Executor = db): Promise<SbcRegion | undefined> {
        const [row] = await tx.update(sbcRegions).set(values).where(eq(sbcRegions.id, id)).returning();
        return row;
      },
    },
  };
}
