import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  SEARCH_COUNT_CAP,
  SEARCH_WALK_ROWS,
  usersPageSql,
} from "../src/modules/teams-users/directory/repository.js";
import { type Account, tenantScope } from "../src/modules/tenancy/index.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { listTeamsUsers } from "./support/teams-users-list.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

/**
 * A search's page comes from a walk of the list's first SEARCH_WALK_ROWS users (from the cursor) when that
 * holds a full page, else from the matchers' indexes: whichever answers, the rows, their order and the cursor
 * are those of the list filtered by the term.
 */
describe("Users page search: the bounded walk and the index path give the list's rows", () => {
  let t: TestApp;
  let partner: SignedInUser;
  let enterprise: Account;
  const USERS = 6000;
  const PAGE = 50;

  const list = (query: Record<string, string>) => listTeamsUsers(t, partner, enterprise, query);

  /** What the search must return: the list's rows the term matches (name contains, address starts), in order. */
  const expected = async (term: string) =>
    (
      await t.deps.db.execute<{ object_id: string }>(sql`select object_id from teams_users
        where enterprise_account_id = ${enterprise.id}
          and (lower(display_name) like ${`%${term}%`} or lower(user_principal_name) like ${`${term}%`})
        order by lower(coalesce(nullif(display_name, ''), user_principal_name)), object_id`)
    ).rows.map((r) => r.object_id);

  const followCursors = async (search: string) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list({ search, pageSize: String(PAGE), ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(PAGE);
      seen.push(...page.items.map((i) => i.objectId));
      expect(seen.length).toBeLessThanOrEqual(USERS); // a cursor that does not advance fails, not hangs
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  };

  /** Rows the walk alone finds for the first page (more than a page: the walk answers; else the indexes). */
  const walkRows = async (search: string) => {
    const q = usersPageSql(tenantScope(enterprise), { search, filter: "all", page: 1, pageSize: PAGE });
    return (await t.deps.db.execute(q.walk ?? sql`select 1 where false`)).rows.length;
  };

  beforeAll(async () => {
    t = await startTestApp();
    const tree = await createAccountTree(t.deps.db);
    enterprise = tree.enterprise;
    partner = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    // Pairs share a name (ties broken by the object id, an md5 so not in name order). "wide": every second
    // user of the first half, spread; "mixed": the first 200 and the last 1000; "farend": the last 2000 only;
    // "lovelace": three users; a few users have no name (shown and sorted by their address).
    await t.deps.db.execute(sql`insert into teams_users (enterprise_account_id, object_id, user_principal_name, display_name, eligible)
      select ${enterprise.id}::uuid, md5(g::text), 'u' || lpad(g::text, 5, '0') || '@contoso.test',
        case when g % 997 = 0 then '' else 'N' || lpad(((g + 1) / 2)::text, 5, '0')
          || case when g <= 3000 and g % 2 = 0 then ' Wide' else '' end
          || case when g <= 200 or g > ${USERS} - 1000 then ' Mixed' else '' end
          || case when g > ${USERS} - 2000 then ' Farend' else '' end
          || case when g in (10, 3001, 5999) then ' Lovelace' else '' end end, true
      from generate_series(1, ${USERS}) g`);
    await t.deps.db.execute(sql`vacuum analyze teams_users`);
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("has terms the walk answers and terms it cannot (the data exercise both paths)", async () => {
    expect(SEARCH_WALK_ROWS).toBeLessThan(USERS - 2000);
    expect(await walkRows("wide")).toBe(PAGE + 1);
    expect(await walkRows("mixed")).toBe(PAGE + 1);
    expect(await walkRows("farend")).toBe(0);
  });

  for (const term of ["wide", "mixed", "farend", "lovelace", "nobody"])
    it(`"${term}": following the cursor gives every match once, in the list's order`, async () => {
      const want = await expected(term);
      const seen = await followCursors(term);
      expect(seen).toEqual(want);
    });

  it("a page number (OFFSET) gives the same rows as the cursor, on either side of the walk's reach", async () => {
    for (const [term, page] of [
      ["mixed", 4],
      ["mixed", 5],
      ["mixed", 20],
      ["farend", 3],
    ] as const) {
      const want = (await expected(term)).slice((page - 1) * PAGE, page * PAGE);
      const got = await list({ search: term, pageSize: String(PAGE), page: String(page) });
      expect(got.items.map((i) => i.objectId)).toEqual(want);
    }
  });

  it("counts exactly up to the cap and reports more than the cap otherwise", async () => {
    const mixed = await list({ search: "mixed" });
    expect((await expected("mixed")).length).toBeGreaterThan(SEARCH_COUNT_CAP);
    expect(mixed.exact).toBe(false);
    expect(mixed.total).toBe(SEARCH_COUNT_CAP + 1);
    // The index path counts too: "farend" (2,000 matches, none in the walk's window) is past the cap by its name alone.
    expect(await walkRows("farend")).toBe(0);
    expect(await list({ search: "farend" })).toMatchObject({ total: SEARCH_COUNT_CAP + 1, exact: false });
    const lovelace = await list({ search: "lovelace" });
    expect(lovelace).toMatchObject({ total: 3, exact: true, nextCursor: null });
  });
});
