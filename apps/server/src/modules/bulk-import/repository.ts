import { and, asc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Executor } from "../../db/client.js";
import type { FieldError } from "../../http/problem.js";
import { type TenantScope, withinScope } from "../tenancy/index.js";
import { type BulkImport, type BulkImportRowData, bulkImportRows, bulkImports } from "./schema.js";

/**
 * A row's outcome while its Add User runs. A row left so by a run that died may or may not have been added;
 * the next run looks before adding it again.
 */
export const ROW_APPLYING = "applying";

export interface StagedRow {
  rowNumber: number;
  data: BulkImportRowData | null;
  errors: FieldError[];
}

const owner = alias(bulkImports, "owner");
const pendingRow = sql`jsonb_array_length(${bulkImportRows.errors}) = 0 and (${bulkImportRows.outcome} is null or ${bulkImportRows.outcome} = ${ROW_APPLYING})`;

/** Imports of users and their staged rows. Rows are in a scope through their import's enterprise. */
export function bulkImportRepository(db: Executor) {
  const importIn = (scope: TenantScope) => withinScope(scope, bulkImports.enterpriseAccountId);
  /** `rows` (bulk_import_rows, or an alias of it) belong to an import of the scope. */
  const rowsIn = (
    scope: TenantScope,
    importId: SQL | typeof bulkImportRows.importId = bulkImportRows.importId,
  ) =>
    sql`exists (select 1 from ${bulkImports} as ${sql.identifier("owner")} where ${owner.id} = ${importId} and ${withinScope(scope, owner.enterpriseAccountId)})`;
  const rowsOf = (scope: TenantScope, importId: string) =>
    and(eq(bulkImportRows.importId, importId), rowsIn(scope));
  return {
    async create(
      scope: TenantScope,
      values: { fileName: string | null; createdByUserId: string | null },
      tx: Executor = db,
    ) {
      const [row] = await tx
        .insert(bulkImports)
        .values({ enterpriseAccountId: scope.accountId, ...values })
        .returning();
      return row!;
    },

    async find(scope: TenantScope, id: string, tx: Executor = db): Promise<BulkImport | undefined> {
      const [row] = await tx
        .select()
        .from(bulkImports)
        .where(and(eq(bulkImports.id, id), importIn(scope)));
      return row;
    },

    async markFailed(scope: TenantScope, id: string, lastError: string, tx: Executor = db) {
      await tx
        .update(bulkImports)
        .set({ status: "failed", lastError })
        .where(and(eq(bulkImports.id, id), importIn(scope)));
    },

    async delete(scope: TenantScope, id: string, tx: Executor = db) {
      await tx.delete(bulkImports).where(and(eq(bulkImports.id, id), importIn(scope)));
    },

    /** Stages rows of an import of the scope (nothing for an import outside it). */
    async stageRows(scope: TenantScope, importId: string, rows: StagedRow[], tx: Executor = db) {
      if (rows.length === 0 || !(await this.find(scope, importId, tx))) return;
      await tx.insert(bulkImportRows).values(rows.map((r) => ({ importId, ...r })));
    },

    /** Adds "appears more than once in the file" to each row whose key another row of the file repeats. */
    async markFileDuplicates(
      scope: TenantScope,
      importId: string,
      check: { field: string; label: string; key: (data: string) => string },
      tx: Executor = db,
    ) {
      const key = sql.raw(check.key("data"));
      await tx.execute(sql`
        update bulk_import_rows r set errors = r.errors || jsonb_build_array(jsonb_build_object(
          'field', ${check.field}::text,
          'message', ${`${check.label} appears more than once in the file (rows `}::text || d.rows || ').'))
        from (select ${key} as k, string_agg(row_number::text, ', ' order by row_number) as rows
              from bulk_import_rows where import_id = ${importId} and data is not null and coalesce(${key}, '') <> ''
              group by 1 having count(*) > 1) d
        where r.import_id = ${importId} and r.data is not null and ${sql.raw(check.key("r.data"))} = d.k
          and ${rowsIn(scope, sql`r.import_id`)}`);
    },

    /** Counts the staged rows into the import (total, with errors, valid). */
    async countRows(scope: TenantScope, importId: string, tx: Executor = db) {
      await tx.execute(sql`
        update bulk_imports set
          total_rows = (select count(*) from bulk_import_rows where import_id = ${importId}),
          error_rows = (select count(*) from bulk_import_rows where import_id = ${importId} and jsonb_array_length(errors) > 0),
          valid_rows = (select count(*) from bulk_import_rows where import_id = ${importId} and jsonb_array_length(errors) = 0),
          updated_at = now()
        where id = ${importId} and ${importIn(scope)}`);
    },

    async listRows(
      scope: TenantScope,
      importId: string,
      options: { errorsOnly: boolean; page: number; pageSize: number; afterRow?: number },
      tx: Executor = db,
    ) {
      // `pageSize + 1` rows: the extra one says that another page exists (the cursor's keyset is the row number).
      return tx
        .select({
          rowNumber: bulkImportRows.rowNumber,
          upn: sql<string>`coalesce(${bulkImportRows.data} ->> 'upn', '')`,
          sipUser: sql<string>`coalesce(${bulkImportRows.data} ->> 'sipUser', '')`,
          phoneNumber: sql<string>`coalesce(${bulkImportRows.data} ->> 'phoneNumber', '')`,
          errors: bulkImportRows.errors,
          outcome: bulkImportRows.outcome,
        })
        .from(bulkImportRows)
        .where(
          and(
            rowsOf(scope, importId),
            options.errorsOnly ? sql`jsonb_array_length(${bulkImportRows.errors}) > 0` : undefined,
            options.afterRow === undefined ? undefined : gt(bulkImportRows.rowNumber, options.afterRow),
          ),
        )
        .orderBy(asc(bulkImportRows.rowNumber))
        .limit(options.pageSize + 1)
        .offset(options.afterRow === undefined ? (options.page - 1) * options.pageSize : 0);
    },

    /** Valid rows after `after` not applied yet (or left claimed by a run that died), in file order. */
    async pendingRows(scope: TenantScope, importId: string, after: number, limit: number, tx: Executor = db) {
      return tx
        .select()
        .from(bulkImportRows)
        .where(and(rowsOf(scope, importId), gt(bulkImportRows.rowNumber, after), pendingRow))
        .orderBy(asc(bulkImportRows.rowNumber))
        .limit(limit);
    },

    /** Claims the rows that are still pending; returns the row numbers claimed. */
    async claimRows(scope: TenantScope, importId: string, rowNumbers: number[], tx: Executor = db) {
      const rows = await tx
        .update(bulkImportRows)
        .set({ outcome: ROW_APPLYING })
        .where(and(rowsOf(scope, importId), inArray(bulkImportRows.rowNumber, rowNumbers), pendingRow))
        .returning({ rowNumber: bulkImportRows.rowNumber });
      return rows.map((r) => r.rowNumber);
    },

    /** Records a claimed row's outcome and counts it, once: only the statement that ends the claim counts it. */
    async recordOutcome(
      scope: TenantScope,
      importId: string,
      rowNumber: number,
      outcome: string,
      tx: Executor = db,
    ) {
      const counter = outcome === "created" ? sql.raw("applied_rows") : sql.raw("failed_rows");
      await tx.execute(sql`
        with ended as (
          update bulk_import_rows set outcome = ${outcome}
          where import_id = ${importId} and row_number = ${rowNumber} and outcome = ${ROW_APPLYING}
            and ${rowsIn(scope, sql`bulk_import_rows.import_id`)}
          returning 1)
        update bulk_imports set ${counter} = ${counter} + (select count(*) from ended), updated_at = now()
        where id = ${importId} and ${importIn(scope)}`);
    },

    /** An applying import whose rows are all done becomes completed (true for the run that completed it). */
    async complete(scope: TenantScope, importId: string, tx: Executor = db) {
      const done = await tx
        .update(bulkImports)
        .set({ status: "completed", updatedAt: new Date() })
        .where(
          and(
            eq(bulkImports.id, importId),
            importIn(scope),
            eq(bulkImports.status, "applying"),
            sql`not exists (select 1 from ${bulkImportRows} where ${bulkImportRows.importId} = ${importId} and ${pendingRow})`,
          ),
        )
        .returning({ id: bulkImports.id });
      return done.length > 0;
    },

    /** Preview → applying; false when it was confirmed already. */
    async confirm(scope: TenantScope, id: string, tx: Executor = db) {
      const [row] = await tx
        .update(bulkImports)
        .set({ status: "applying", updatedAt: new Date() })
        .where(and(eq(bulkImports.id, id), importIn(scope), eq(bulkImports.status, "preview")))
        .returning({ id: bulkImports.id });
      return Boolean(row);
    },

    /** Compare-and-set on updatedAt: true for the one caller that saw the import as it still is. */
    async touchIfUnchanged(scope: TenantScope, id: string, seenUpdatedAt: Date, tx: Executor = db) {
      const [row] = await tx
        .update(bulkImports)
        .set({ updatedAt: new Date() })
        .where(
          and(
            eq(bulkImports.id, id),
            importIn(scope),
            // Dates read back carry milliseconds; the column may hold microseconds.
            sql`date_trunc('milliseconds', ${bulkImports.updatedAt}) = ${seenUpdatedAt.toISOString()}::timestamptz`,
          ),
        )
        .returning({ id: bulkImports.id });
      return Boolean(row);
    },

    platform: {
      /** The apply job's own lookup: which enterprise's import it is, and whether it still applies. */
      async findForJob(importId: string, tx: Executor = db) {
        const [row] = await tx
          .select({ status: bulkImports.status, enterpriseAccountId: bulkImports.enterpriseAccountId })
          .from(bulkImports)
          .where(eq(bulkImports.id, importId));
        return row;
      },
    },
  };
}

export type BulkImportRepository = ReturnType<typeof bulkImportRepository>;
