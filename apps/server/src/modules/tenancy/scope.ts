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

// Paths are chains of UUIDs; escaping keeps a malformed path from widening the match all the same.
const pathPrefix = (scope: TenantScope) => `${scope.path.replace(/[%_\\]/g, "\\$&")}%`;

/** SQL condition: `column` (an account id column) is the scope's account or one of its descendants. */
export function withinScope(scope: TenantScope, accountIdColumn: AnyPgColumn): SQL {
  return sql`${accountIdColumn} in (select ${scoped}.${id} from ${accounts} as ${scoped} where ${scoped}.${path} like ${pathPrefix(scope)})`;
}

/**
 * The same guard for a query that pins its rows to the scope's own account (`column = scope.accountId`): that
 * account lies within the scope. It does not name a row, so PostgreSQL checks it once per statement instead of
 * once per row (a search reading 11,000 users spent 4 ms on the per-row semi-join).
 */
export function scopeAccountWithin(scope: TenantScope): SQL {
  return sql`exists (select 1 from ${accounts} as ${scoped} where ${scoped}.${id} = ${scope.accountId} and ${scoped}.${path} like ${pathPrefix(scope)})`;
}
