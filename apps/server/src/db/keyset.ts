import { type AnyColumn, asc, desc, type SQL, type SQLWrapper, sql } from "drizzle-orm";

/**
 * Keyset paging in SQL (the cursor side is `http/pagination.ts`). A list orders by its sort keys and a
 * unique id last, all in one direction, and continues after the last row seen with one row comparison,
 * `(k1, …, id) > (v1, …, id)`, which an index on the same columns serves.
 */

export type Direction = "asc" | "desc";

/** The ORDER BY of a keyset. */
export function keysetOrder(keys: readonly SQLWrapper[], direction: Direction = "asc"): SQL[] {
  return keys.map((key) => (direction === "asc" ? asc(key as AnyColumn) : desc(key as AnyColumn)));
}

/** Rows after `position` (the values of `keys` in the last row seen) in the keyset's order. */
export function afterKeyset(
  keys: readonly SQLWrapper[],
  position: readonly unknown[],
  direction: Direction = "asc",
): SQL {
  const columns = sql.join(
    keys.map((key) => sql`${key}`),
    sql`, `,
  );
  const values = sql.join(
    position.map((value) => sql`${value}`),
    sql`, `,
  );
  return direction === "asc" ? sql`(${columns}) > (${values})` : sql`(${columns}) < (${values})`;
}

/**
 * A timestamp column as exact UTC text (microseconds), for a cursor: a JS Date keeps milliseconds only,
 * and a rounded position would repeat or skip the rows of the same millisecond.
 */
export function exactTimestamp(column: SQLWrapper): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
