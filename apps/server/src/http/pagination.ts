import { z } from "zod";
import { hasUnstorableCharacters } from "./schema-primitives.js";

/**
 * The one pagination convention of the API (docs/api.md, "Pagination"): a list takes `cursor` (opaque, the
 * `nextCursor` of the previous page) and `limit` (1–200, default 50) and answers `{ items, nextCursor }`,
 * `nextCursor` null on the last page. Pages are keyset positions, not offsets: the cursor holds the sort
 * key of the last row returned and its id, so a row inserted or deleted meanwhile moves no other row
 * between pages. A cursor is checked at the schema, so a damaged one is a 400 naming `cursor`.
 */

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

/**
 * The kinds of value a cursor holds. A timestamp travels as PostgreSQL's exact text (microseconds; a JS
 * Date would round to milliseconds and repeat or skip rows), produced by `exactTimestamp` (db/keyset.ts).
 */
export type KeyKind = "text" | "uuid" | "timestamp" | "integer";
type KeyValue<K extends KeyKind> = K extends "integer" ? number : string;
export type KeyValues<K extends readonly KeyKind[]> = { -readonly [I in keyof K]: KeyValue<K[I]> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const valid: Record<KeyKind, (value: unknown) => boolean> = {
  text: (v) => typeof v === "string" && v.length <= 1000 && !hasUnstorableCharacters(v),
  uuid: (v) => typeof v === "string" && UUID.test(v),
  timestamp: (v) => typeof v === "string" && TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v)),
  integer: (v) => typeof v === "number" && Number.isSafeInteger(v),
};

/** True when `value` is a valid cursor value of `kind` (for lists whose cursors carry more than keys). */
export function isKeyValue(kind: KeyKind, value: unknown): boolean {
  return valid[kind](value);
}

export interface CursorCodec<K extends readonly KeyKind[]> {
  encode(values: KeyValues<K>): string;
  /** The values of a cursor this codec made, or null (a forged or damaged cursor, or another list's). */
  decode(cursor: string): KeyValues<K> | null;
}

/** A cursor codec for a keyset of `kinds` (the sort keys, the id last): base64url of a JSON array. */
export function keysetCursor<const K extends readonly KeyKind[]>(...kinds: K): CursorCodec<K> {
  return {
    encode: (values) => Buffer.from(JSON.stringify(values)).toString("base64url"),
    decode(cursor) {
      try {
        const values: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
        if (!Array.isArray(values) || values.length !== kinds.length) return null;
        return kinds.every((kind, i) => valid[kind](values[i])) ? (values as KeyValues<K>) : null;
      } catch {
        return null;
      }
    },
  };
}

const CURSOR_MESSAGE = "Must be the nextCursor of a previous page of this list.";

/** The `cursor` query parameter of a list whose cursors `codec` makes. */
export function cursorParam(codec: { decode(cursor: string): unknown }) {
  return z
    .string()
    .max(2000)
    .regex(/^[A-Za-z0-9_-]+$/, CURSOR_MESSAGE)
    .refine((value) => codec.decode(value) !== null, CURSOR_MESSAGE)
    .optional()
    .describe("The `nextCursor` of the previous page; omit it for the first page.");
}

/** The `limit` query parameter: page size, 1–200, default 50. */
export const limitParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_LIMIT)
  .default(DEFAULT_PAGE_LIMIT)
  .describe(`Items per page, 1–${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}).`);

/** The query of a paged list: `{ cursor?, limit? }`; extend it with the list's own filters. */
export function pageQuery(codec: { decode(cursor: string): unknown }) {
  return z.object({ cursor: cursorParam(codec), limit: limitParam });
}

/**
 * For the lists that also page by number (`page`, `pageSize`, `total`: the portal's tables with page
 * links): the same `cursor`, and a `limit` that wins over `pageSize` when given. A cursor wins over `page`.
 */
export function cursorAndLimitParams(codec: { decode(cursor: string): unknown }) {
  return {
    cursor: cursorParam(codec),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_LIMIT)
      .optional()
      .describe(`Items per page, 1–${MAX_PAGE_LIMIT}; wins over pageSize.`),
  };
}

export const nextCursorField = z
  .string()
  .nullable()
  .describe("The cursor of the next page; null on the last page.");

/** The answer of a paged list: `{ items, nextCursor }`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: nextCursorField });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The page from `rows` fetched with `limit + 1` (the extra row only says that another page exists) and
 * the cursor after its last item.
 */
export function toPage<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorOf(items[items.length - 1]!) };
}
