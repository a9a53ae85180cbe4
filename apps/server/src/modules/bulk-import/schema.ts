import {
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { accounts } from "../tenancy/index.js";

export const bulkImportStatus = pgEnum("bulk_import_status", [
  "preview",
  "applying",
  "completed",
  "failed",
  "cancelled",
]);

/** One uploaded users CSV: validated into a preview; nothing is provisioned until it is confirmed. */
export const bulkImports = pgTable("bulk_imports", {
  id: uuid("id").primaryKey().defaultRandom(),
  enterpriseAccountId: uuid("enterprise_account_id")
    .notNull()
    .references(() => accounts.id, { onDelete: "cascade" }),
  fileName: text("file_name"),
  status: bulkImportStatus("status").notNull().default("preview"),
  totalRows: integer("total_rows").notNull().default(0),
  validRows: integer("valid_rows").notNull().default(0),
  errorRows: integer("error_rows").notNull().default(0),
  appliedRows: integer("applied_rows").notNull().default(0),
  failedRows: integer("failed_rows").notNull().default(0),
  lastError: text("last_error"),
  createdByUserId: uuid("created_by_user_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export interface BulkImportRowData {
  upn: string;
  sipUser: string;
  phoneNumber: string;
  route: string;
  pbxLocation: string;
  disableVoicemail: boolean;
  assignDialPlan: boolean;
  devices: { authId: string; password: string }[];
}

/** The staged rows of an import (the preview). Device passwords are sealed before they are staged. */
export const bulkImportRows = pgTable(
  "bulk_import_rows",
  {
    importId: uuid("import_id")
      .notNull()
      .references(() => bulkImports.id, { onDelete: "cascade" }),
    rowNumber: integer("row_number").notNull(),
    data: jsonb("data").$type<BulkImportRowData | null>(),
    errors: jsonb("errors").$type<{ field: string; message: string }[]>().notNull().default([]),
    /** After apply: the result of this row ("created", or why it failed). */
    outcome: text("outcome"),
  },
  (table) => [
    primaryKey({ columns: [table.importId, table.rowNumber] }),
    index("bulk_import_rows_errors_idx").on(table.importId),
  ],
);

export type BulkImport = typeof bulkImports.$inferSelect;
