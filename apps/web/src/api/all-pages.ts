/** One page of a cursor-paged list (docs/api.md, "Pagination"). */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** The largest page the API serves. */
export const MAX_PAGE = 200;

/**
 * Every item of a cursor-paged list, following `nextCursor` with the largest page: for the lists that are
 * small by nature (an account's portal users, API keys, webhook endpoints, partners, SBC regions), whose
 * pages show them all. Large lists page on screen instead (enterprises, numbers, Teams users).
 */
export async function allPages<T>(
  fetchPage: (query: { cursor?: string; limit: number }) => Promise<CursorPage<T>>,
): Promise<{ items: T[] }> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage({ limit: MAX_PAGE, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { items };
}
