import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { accounts } from "./schema.js";

/** The acting account of a query: "this account and everything below it". */
export interface TenantScope {
  readonly accountId: string;
  readonly path: string;
}

export function tenantScope(account: { id: string; path: string }): TenantScope {
  return Object.freeze({ accountId: account.id, path: account.path });
}

/** Its own alias, so a query on `accounts` itself can use `withinScope(scope, accounts.id)` unambiguously. */
const scoped = sql.identifier("scope_accounts");
const id = sql.identifier(accounts.id.name);
const path = sql.identifier(accounts.path.name);

/** SQL condition: `column` (an account id column) is the scope's account or one of its descendants. */
export function withinScope(scope: TenantScope, accountIdColumn: AnyPgColumn): SQL {
  // Paths are chains of UUIDs; escaping keeps a malformed path from widening the match all the same.
  const prefix = `${scope.path.replace(/[%_\\]/g, "\\$&")}%`;
  return sql`${accountIdColumn} in (select ${scoped}.${id} from ${accounts} as ${scoped} where ${scoped}.${path} like ${prefix})`;
}
