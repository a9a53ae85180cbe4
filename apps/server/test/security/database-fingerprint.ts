import { sql } from "drizzle-orm";
import type { Database } from "../../src/db/client.js";

/**
 * Columns that change on every signed-in request (sliding session expiry, last use), whatever it asks for.
 * Everything else in the portal's schema counts as "written".
 */
const TOUCHED_BY_EVERY_REQUEST: Record<string, string[]> = {
  sessions: ["last_seen_at", "expires_at", "ip", "user_agent"],
};

/**
 * Where the statement triggers note a table a statement wrote to; `__` keeps it out of the portal's tables. No key:
 * concurrent transactions noting the same tables never wait on each other.
 */
const TOUCHED_LOG = "__touched_tables";

/** The portal's own tables (not the job queue's schema). */
async function portalTables(db: Database): Promise<string[]> {
  const result = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like '\\_\\_%'
        order by table_name`,
  );
  return result.rows.map((row) => row.table_name);
}

/** Per table: the row count and the sum of the rows' hashes, less the columns every request touches. */
async function fingerprintsOf(db: Database, tables: string[]): Promise<Map<string, string>> {
  if (tables.length === 0) return new Map();
  const parts = tables.map((table) => {
    const ignored = TOUCHED_BY_EVERY_REQUEST[table] ?? [];
    const row = ignored.reduce((expr, column) => `(${expr} - '${column}')`, "to_jsonb(t)");
    return `select '${table}' as t, count(*)::text || ':' || coalesce(sum(hashtext(${row}::text)), 0)::text as f from "${table}" t`;
  });
  const result = await db.execute<{ t: string; f: string }>(sql.raw(parts.join(" union all ")));
  return new Map(result.rows.map((row) => [row.t, row.f]));
}

export interface WriteWatch {
  /** The portal tables whose rows differ from the last call (or from the watch's start). */
  changedTables(): Promise<string[]>;
}

/**
 * Watches every portal table of a test database for changed rows. A statement trigger on each table notes that a
 * statement wrote to it (in the statement's own transaction, so a rolled-back write leaves no note); only the noted
 * tables are fingerprinted again and compared by content, so a write that leaves the rows as they were (an insert
 * deleted in the same request, a session's sliding expiry) is no change. Fingerprinting every table after every
 * request took 8 ms; this takes under 1.
 */
export async function watchWrites(db: Database): Promise<WriteWatch> {
  const tables = await portalTables(db);
  await db.execute(
    sql.raw(`create unlogged table if not exists ${TOUCHED_LOG} (table_name text);
      create or replace function __note_touched_table() returns trigger language plpgsql as $$
      begin
        insert into ${TOUCHED_LOG} values (tg_table_name);
        return null;
      end $$;
      ${tables
        .map(
          (table) => `create or replace trigger __note_touched after insert or update or delete or truncate
            on "${table}" for each statement execute function __note_touched_table();`,
        )
        .join("\n")}`),
  );
  const known = await fingerprintsOf(db, tables);
  return {
    async changedTables() {
      const touched = await db.execute<{ table_name: string }>(
        sql.raw(`delete from ${TOUCHED_LOG} returning table_name`),
      );
      const now = await fingerprintsOf(db, [...new Set(touched.rows.map((row) => row.table_name))]);
      const changed = [...now].filter(([table, fingerprint]) => known.get(table) !== fingerprint);
      for (const [table, fingerprint] of changed) known.set(table, fingerprint);
      return changed.map(([table]) => table).sort();
    },
  };
}
