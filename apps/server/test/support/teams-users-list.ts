import { expect } from "vitest";
import type { Account } from "../../src/modules/tenancy/index.js";
import type { SignedInUser } from "./factories.js";
import type { TestApp } from "./test-app.js";

/** One answer of the Users list, as the page reads it. */
export interface TeamsUsersListPage {
  items: { objectId: string }[];
  total: number;
  exact: boolean;
  exactUpTo: number;
  nextCursor: string | null;
}

/** GET the enterprise's Users list as `user` with these query parameters; expects a 200. */
export async function listTeamsUsers(
  t: TestApp,
  user: SignedInUser,
  enterprise: Account,
  query: Record<string, string>,
): Promise<TeamsUsersListPage> {
  const response = await t.app.inject({
    method: "GET",
    url: `/api/accounts/${enterprise.id}/teams-users?${new URLSearchParams(query)}`,
    headers: user.headers,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as TeamsUsersListPage;
}
