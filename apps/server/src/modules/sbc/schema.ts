import { pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

export const sbcTrunkState = pgEnum("sbc_trunk_state", ["up", "down"]);

/**
 * The last-seen OPTIONS state of each enterprise's PBX trunk on the SBC (the change watch reads it from
 * the adapter's status); a change is saved together with its `sbc.trunk-up`/`sbc.trunk-down` event.
 */
export const sbcTrunkStates = pgTable("sbc_trunk_states", {
  enterpriseAccountId: uuid("enterprise_account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  state: sbcTrunkState("state").notNull(),
  /** The trunk's SIP address as probed (the PBX destination's host). */
  trunk: text("trunk").notNull(),
  changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
  checkedAt: timestamp("checked_at", { withTimezone: true }).notNull().defaultNow(),
});
