import { and, eq, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { isAnyOf } from "../../db/text-sets.js";
import { accounts, type TenantScope, withinScope } from "../tenancy/index.js";

export interface CallLogEnterprise {
  id: string;
  name: string;
}

export interface CallLogUser {
  id: string;
  enterpriseId: string;
  displayName: string;
  userPrincipalName: string;
  number: string;
}

type UserRow = {
  id: string;
  enterprise_id: string;
  display_name: string;
  user_principal_name: string;
  phone_number: string;
};

const toUser = (row: UserRow): CallLogUser => ({
  id: row.id,
  enterpriseId: row.enterprise_id,
  displayName: row.display_name,
  userPrincipalName: row.user_principal_name,
  number: row.phone_number,
});

/**
 * What the call logs read of the portal's tables: the enterprises in scope (whose CDRs may be shown) and
 * the provisioned Teams users a CDR's number belongs to. Teams users are read in SQL (a read model over
 * teams-users' columns, as the sbc module does), always limited to `scope`.
 */
export function callLogsRepository(db: Executor) {
  return {
    /** The enterprise accounts in `scope` (the scope's account itself when it is one). */
    async enterprises(scope: TenantScope): Promise<CallLogEnterprise[]> {
      return db
        .select({ id: accounts.id, name: accounts.name })
        .from(accounts)
        .where(and(eq(accounts.kind, "enterprise"), withinScope(scope, accounts.id)));
    },

    /** The provisioned users of `enterpriseIds` (in scope) holding one of `numbers`. */
    async usersByNumber(scope: TenantScope, numbers: readonly string[]): Promise<CallLogUser[]> {
      if (numbers.length === 0) return [];
      const result = await db.execute<UserRow>(sql`
        select pu.id, pu.enterprise_account_id as enterprise_id, pu.display_name, pu.user_principal_name,
               pu.phone_number
          from provisioned_users pu
          join ${accounts} on ${accounts.id} = pu.enterprise_account_id
         where ${withinScope(scope, accounts.id)}
           and ${isAnyOf(sql`pu.phone_number`, numbers)}`);
      return result.rows.map(toUser);
    },

    /** One provisioned user in `scope`, or undefined. */
    async user(scope: TenantScope, id: string): Promise<CallLogUser | undefined> {
      const result = await db.execute<UserRow>(sql`
        select pu.id, pu.enterprise_account_id as enterprise_id, pu.display_name, pu.user_principal_name,
               pu.phone_number
          from provisioned_users pu
          join ${accounts} on ${accounts.id} = pu.enterprise_account_id
         where ${withinScope(scope, accounts.id)} and pu.id = ${id}`);
      const row = result.rows[0];
      return row ? toUser(row) : undefined;
    },
  };
}

export type CallLogsRepository = ReturnType<typeof callLogsRepository>;
