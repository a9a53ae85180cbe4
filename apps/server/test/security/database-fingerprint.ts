import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client.js";

/**
 * Columns that change on every signed-in request (sliding session expiry, last use), whatever it asks for.
 * Everything else in the portal's schema counts as "written".
 */
const TOUCHED_BY_EVERY_REQUEST: Record<string, string[]> = {
  sessions: ["last_seen_at", "expires_at", "ip", "user_agent"],
};

/** The portal's own tables (not the job queue's schema), each with the columns a fingerprint ignores. */
export async function portalTables(db: Database): Promise<string[]> {
  const result = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like '\\_\\_%'
        order by table_name`,
  );
  return result.rows.map((row) => row.table_name);
}

/**
 * One text that changes when any row of any portal table is inserted, updated or deleted: per table,
 * the row count and the sum of the rows' hashes. Cheap on a test database (a few ms).
 */
export async function databaseFingerprint(db: Database, tables: string[]): Promise<string> {
  const parts = tables.map((table) => {
    const ignored = TOUCHED_BY_EVERY_REQUEST[table] ?? [];
    const row = ignored.reduce((expr, column) => `(${expr} - '${column}')`, "to_jsonb(t)");
    return `select '${table}' as t, count(*)::text || ':' || coalesce(sum(hashtext(${row}::text)), 0)::text as f from "${table}" t`;
  });
  const result = await db.execute<{ t: string; f: string }>(sql.raw(parts.join(" union all ")));
  return result.rows
    .map((row) => `${row.t}=${row.f}`)
    .sort()
    .join(",");
}

/** The tables whose part of two fingerprints differs. */
export function changedTables(before: string, after: string): string[] {
  const parse = (f: string) => new Map(f.split(",").map((part) => part.split("=") as [string, string]));
  const a = parse(before);
  const b = parse(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((table) => a.get(table) !== b.get(table));
}
