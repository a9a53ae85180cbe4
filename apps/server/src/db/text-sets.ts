import { type SQL, type SQLWrapper, sql } from "drizzle-orm";

/**
 * `value = any($1::text[])`: membership in a list of texts sent as ONE array parameter. drizzle's `inArray` binds
 * a parameter per item, which for thousands of ids (a sync's flagged or removed users) costs noticeable CPU to
 * build, on the caller's event loop and in PostgreSQL.
 */
export function isAnyOf(value: SQLWrapper | SQL, texts: readonly string[]): SQL {
  return sql`${value} = any(${sql.param([...texts])}::text[])`;
}
