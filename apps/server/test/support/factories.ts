import type { Database } from "../../src/db/client.js";
import { type PortalRole, portalUsers } from "../../src/modules/identity/schema.js";
import { SESSION_COOKIE, sessionStore } from "../../src/modules/identity/sessions.js";
import { accountRepository } from "../../src/modules/tenancy/repository.js";
import type { Account } from "../../src/modules/tenancy/schema.js";

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function createAccount(
  db: Database,
  kind: Account["kind"],
  parent: Account | null,
  name?: string,
) {
  return accountRepository(db).create({ kind, name: name ?? `${kind} ${unique()}`, parent });
}

/** An operator → partner → enterprise chain, plus a sibling partner with its own enterprise. */
export async function createAccountTree(db: Database) {
  const operator = await createAccount(db, "operator", null, "Operator");
  const partner = await createAccount(db, "partner", operator, "Partner A");
  const enterprise = await createAccount(db, "enterprise", partner, "Enterprise A1");
  const sibling = await createAccount(db, "partner", operator, "Partner B");
  const siblingEnterprise = await createAccount(db, "enterprise", sibling, "Enterprise B1");
  return { operator, partner, enterprise, sibling, siblingEnterprise };
}

export interface SignedInUser {
  userId: string;
  email: string;
  /** Headers for `app.inject`: the session cookie and the CSRF token. */
  headers: Record<string, string>;
}

/** An active portal user with a live session, created directly in the database. */
export async function createSignedInUser(
  db: Database,
  account: Account,
  role: PortalRole = "Admin",
): Promise<SignedInUser> {
  const email = `${role.toLowerCase().replace(/[^a-z]/g, "")}-${unique()}@example.test`;
  const [user] = await db
    .insert(portalUsers)
    .values({ accountId: account.id, email, name: `${role} ${account.name}`, role, status: "active" })
    .returning();
  const session = await sessionStore(db, { idleMinutes: 60, absoluteHours: 12 }).create(user!.id, {});
  return {
    userId: user!.id,
    email,
    headers: { cookie: `${SESSION_COOKIE}=${session.cookieValue}`, "x-csrf-token": session.csrfToken },
  };
}
