import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  LIST_COUNT_CAP,
  SEARCH_COUNT_CAP,
  searchEligibleQuery,
  usersPageSql,
} from "../src/modules/teams-users/directory/repository.js";
import type { Account } from "../src/modules/tenancy/index.js";
import { tenantScope } from "../src/modules/tenancy/index.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { listTeamsUsers } from "./support/teams-users-list.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

/** The Users list at scale (issue 13, item 1): keyset cursor, exact-or-estimated count, index-driven searches. */
describe("Users list: cursor paging, counts and index use", () => {
  let t: TestApp;
  let partner: SignedInUser;
  let small: Account;
  let large: Account;
  const LARGE = 20_000;

  const insertUsers = (enterpriseId: string, rows: { id: string; upn: string; name: string }[]) =>
    t.deps.db.execute(sql`insert into teams_users (enterprise_account_id, object_id, user_principal_name, display_name, eligible)
      select ${enterpriseId}::uuid, r->>'id', r->>'upn', r->>'name', true
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) r`);

  const list = (account: Account, query: Record<string, string>) =>
    listTeamsUsers(t, partner, account, query);

  beforeAll(async () => {
    t = await startTestApp();
    const tree = await createAccountTree(t.deps.db);
    small = tree.enterprise;
    large = tree.siblingEnterprise;
    partner = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    // 40 users: ties on the shown name (broken by the object id) and users with no name (shown by address).
    await insertUsers(
      small.id,
      Array.from({ length: 40 }, (_, i) => ({
        id: `obj${String(39 - i).padStart(3, "0")}`,
        upn: `u${String(i).padStart(3, "0")}@contoso.test`,
        name: i % 5 === 0 ? "" : `name${String(i % 7).padStart(2, "0")}`,
      })),
    );
    await t.deps.db.execute(sql`insert into teams_users (enterprise_account_id, object_id, user_principal_name, display_name, eligible)
      select ${large.id}::uuid, 'big' || g, 'user' || lpad(g::text, 6, '0') || '@fabrikam.test',
        'Person ' || md5(g::text), g % 3 <> 0
      from generate_series(1, ${LARGE}) g`);
    await t.deps.db.execute(sql`insert into provisioned_users (enterprise_account_id, teams_user_object_id,
        user_principal_name, display_name, pbx_location, region_id, sip_user, phone_number)
      select ${large.id}::uuid, 'big' || g, 'user' || lpad(g::text, 6, '0') || '@fabrikam.test', 'x', 'hq',
        gen_random_uuid(), (100000 + g)::text, '+1425' || lpad(g::text, 7, '0')
      from generate_series(1, ${LARGE} / 2) g`);
    // As autovacuum would: statistics, and the GIN pending lists merged into the trigram indexes.
    await t.deps.db.execute(sql`vacuum analyze teams_users`);
    await t.deps.db.execute(sql`vacuum analyze provisioned_users`);
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it("follows the cursor through every row once, in the shown order, while users are being added", async () => {
    const originals = (await list(small, { pageSize: "100" })).items.map((i) => i.objectId);
    expect(originals).toHaveLength(40);
    const seen: string[] = [];
    let cursor: string | null = null;
    let added = 0;
    do {
      const page = await list(small, { pageSize: "7", ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.objectId));
      cursor = page.nextCursor;
      // Between pages, users arrive before and after the cursor's position (OFFSET paging would repeat one).
      await insertUsers(small.id, [
        { id: `new-a${added}`, upn: `a${added}@contoso.test`, name: `aaa${added}` },
        { id: `new-z${added}`, upn: `z${added}@contoso.test`, name: `zzz${added}` },
      ]);
      added++;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of originals) expect(seen).toContain(id);
    // Every row seen comes in the database's own order of (shown name, object id).
    const ordered = (
      await t.deps.db.execute<{ object_id: string }>(sql`select object_id from teams_users
        where enterprise_account_id = ${small.id}
        order by lower(coalesce(nullif(display_name, ''), user_principal_name)), object_id`)
    ).rows
      .map((r) => r.object_id)
      .filter((id) => seen.includes(id));
    expect(seen).toEqual(ordered);
    expect(seen.some((id) => id.startsWith("new-z"))).toBe(true);
  });

  it("answers 400 for a cursor it did not issue", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${small.id}/teams-users?cursor=not-a-cursor`,
      headers: partner.headers,
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain("cursor");
  });

  it("counts exactly when small, and estimates (exact: false) beyond the cap", async () => {
    const few = await list(small, {});
    expect(few.exact).toBe(true);
    const [{ n }] = (
      await t.deps.db.execute<{ n: number }>(
        sql`select count(*)::int as n from teams_users where enterprise_account_id = ${small.id}`,
      )
    ).rows as [{ n: number }];
    expect(few.total).toBe(n);

    const many = await list(large, {});
    expect(many.exact).toBe(false);
    expect(many.exactUpTo).toBe(LIST_COUNT_CAP);
    // The planner's estimate of 20,000 rows, not a count that stopped at the cap.
    expect(many.total).toBeGreaterThan(LIST_COUNT_CAP);
    expect(many.items).toHaveLength(50);
    expect(many.nextCursor).not.toBeNull();

    const searched = await list(large, { search: "user0" });
    expect(searched.exact).toBe(false);
    expect(searched.exactUpTo).toBe(SEARCH_COUNT_CAP);
    // No planner estimate for a substring search (it can be far off): just more than the cap.
    expect(searched.total).toBe(SEARCH_COUNT_CAP + 1);
  });

  const plan = async (query: SQL) =>
    (await t.deps.db.execute<{ "QUERY PLAN": string }>(sql`explain ${query}`)).rows
      .map((r) => r["QUERY PLAN"])
      .join("\n");

  const pageShape = (query: { search?: string; cursor?: string }) =>
    usersPageSql(tenantScope(large), { filter: "all", page: 1, pageSize: 50, ...query });

  it("walks the shown-name index for the first page and for a deep page by cursor", async () => {
    const first = await plan(pageShape({}).page);
    expect(first).toMatch(/Index Scan using teams_users_shown_name_idx/);
    let cursor: string | null = null;
    for (let i = 0; i < 3; i++) cursor = (await list(large, cursor ? { cursor } : {})).nextCursor;
    const deep = await plan(pageShape({ cursor: cursor ?? "" }).page);
    expect(deep).toMatch(/Index (Only )?Scan using teams_users_shown_name_idx/);
    expect(deep).toMatch(/Index Cond: .*ROW\(lower\(COALESCE/);
  });

  it("searches by UPN prefix, name and number through their indexes", async () => {
    const upn = pageShape({ search: "user01234" });
    expect(await plan(upn.count)).toMatch(/Index (Only )?Scan using teams_users_upn_idx/);
    const name = pageShape({ search: "person abcd" });
    expect(await plan(name.count)).toMatch(/Bitmap Index Scan on teams_users_display_name_trgm_idx/);
    const number = pageShape({ search: "+14250001234" });
    expect(await plan(number.count)).toMatch(/Bitmap Index Scan on provisioned_users_number_trgm_idx/);
  });

  it("Add User's search uses the lower(display_name) trigram index and the UPN prefix index", async () => {
    const query = searchEligibleQuery(tenantScope(large), "zq9x", 20, t.deps.db).toSQL();
    const { rows } = await (t.deps.db as unknown as { $client: import("pg").Pool }).$client.query<{
      "QUERY PLAN": string;
    }>(`explain ${query.sql}`, query.params);
    const text = rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toMatch(/Bitmap Index Scan on teams_users_display_name_trgm_idx/);
    expect(text).toMatch(/Bitmap Index Scan on teams_users_upn_idx/);
  });

  it("Add User's list without a term walks the UPN prefix index in its order: no sort, stops at the limit", async () => {
    const query = searchEligibleQuery(tenantScope(large), "", 20, t.deps.db).toSQL();
    const { rows } = await (t.deps.db as unknown as { $client: import("pg").Pool }).$client.query<{
      "QUERY PLAN": string;
    }>(`explain ${query.sql}`, query.params);
    const text = rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toMatch(/Index Scan using teams_users_upn_idx/);
    expect(text).not.toMatch(/Sort/);
    const listed = await searchEligibleQuery(tenantScope(large), "", 20, t.deps.db);
    const upns = listed.map((u) => u.userPrincipalName.toLowerCase());
    expect(upns).toHaveLength(20);
    expect(upns).toEqual([...upns].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });
});
