import { ApiError, unwrap } from "./client";

/**
 * Optimistic concurrency (docs/api.md, "Updates: ETag and If-Match"): a GET's `ETag` is the version an edit
 * form loaded; its save sends it back as `If-Match`, and the server refuses (412) to overwrite a change made
 * since, instead of losing it.
 */

/** A GET's body with the resource's version (`null`: the resource does not exist yet). */
export type Versioned<T> = T & { etag: string | null };

/** Like `unwrap`, keeping the answer's `ETag` as `etag`. */
export async function unwrapVersioned<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<Versioned<T>> {
  const result = await call;
  const data = await unwrap(Promise.resolve(result));
  return { ...data, etag: result.response.headers.get("etag") };
}

/** The header of an update of what was loaded at version `etag`. */
export const ifMatch = (etag: string | null) => (etag ? { "if-match": etag } : {});

/** The same for an update that may create: `If-None-Match: *` when nothing existed when the form loaded. */
export const ifUnchanged = (etag: string | null) =>
  etag ? { "if-match": etag } : { "if-none-match": "*" as const };

/** A 412: someone else changed the resource since the form loaded it. */
export function isEditConflict(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 412;
}
