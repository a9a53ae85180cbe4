import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

/**
 * An enterprise's PBX users as the PBX knows them: extension, name and default caller ID. They come from a
 * CSV upload or from the enterprise's directory source (see adapter.ts); each import replaces them all.
 */
export const pbxDirectoryEntries = pgTable(
  "pbx_directory_entries",
  {
    enterpriseAccountId: uuid("enterprise_account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    extension: text("extension").notNull(),
    name: text("name").notNull(),
    /** E.164, or null when the PBX has none for this user. */
    defaultCallerId: text("default_caller_id"),
    source: text("source", { enum: ["upload", "http"] }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.enterpriseAccountId, table.extension] }),
    index("pbx_directory_entries_name_idx").on(table.enterpriseAccountId, table.name),
  ],
);

/** Where an enterprise's PBX directory is read from (the HTTP adapter), and how the last sync went. */
export const pbxDirectorySources = pgTable("pbx_directory_sources", {
  enterpriseAccountId: uuid("enterprise_account_id")
    .primaryKey()
    .references(() => accounts.id, { onDelete: "cascade" }),
  baseUrl: text("base_url").notNull(),
  /** Sealed with the SecretBox (associated data: BEARER_AD); never returned by the API. */
  bearerTokenSealed: text("bearer_token_sealed"),
  lastSyncedAt: timestamp("last_synced_at", { withTimezone: true }),
  lastSyncCount: integer("last_sync_count"),
  lastSyncError: text("last_sync_error"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type PbxDirectoryEntry = typeof pbxDirectoryEntries.$inferSelect;
export type PbxDirectorySource = typeof pbxDirectorySources.$inferSelect;
