import { jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

export interface PbxLocation {
  name: string;
  pbx: string;
}

export interface NormalizationRule {
  name: string;
  pattern: string;
  translation: string;
  description?: string;
  isInternalExtension: boolean;
}

/** One per enterprise: what sip2teams configures in the customer's Teams tenant. */
export const teamsProfiles = pgTable(
  "teams_profiles",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    pbxLocations: jsonb("pbx_locations").$type<PbxLocation[]>().notNull(),
    /** The voice routes offered: SBC region ids, and the default one. */
    regionIds: uuid("region_ids").array().notNull(),
    defaultRegionId: uuid("default_region_id").notNull(),
    pstnUsage: text("pstn_usage").notNull(),
    dialPlanName: text("dial_plan_name").notNull(),
    normalizationRules: jsonb("normalization_rules").$type<NormalizationRule[]>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("teams_profiles_enterprise_idx").on(table.enterpriseAccountId)],
);

export type TeamsProfile = typeof teamsProfiles.$inferSelect;
