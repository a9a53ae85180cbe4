import { and, count, eq, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { type TenantScope, withinScope } from "../tenancy/index.js";
import { provisionedUsers, sipDevices } from "./schema.js";

/** An enterprise's seats as of now: what the usage report counts and its daily snapshot keeps. */
export interface SeatFigures {
  enterpriseAccountId: string;
  /** Users whose calling is enabled and provisioned (the dashboard's "Users with calling enabled"). */
  callingEnabledUsers: number;
  /** Phone numbers held by provisioned users (one each), from the inventory or brought by the enterprise. */
  numbersAssigned: number;
  sipDevices: number;
}

/** Live seat figures of every enterprise in the scope that has any (others have none: all zero). */
export async function seatFigures(db: Executor, scope: TenantScope): Promise<SeatFigures[]> {
  const users = await db
    .select({
      enterpriseAccountId: provisionedUsers.enterpriseAccountId,
      callingEnabledUsers: sql<number>`count(*) filter (where ${provisionedUsers.callingEnabled} and ${provisionedUsers.status} = 'done')::int`,
      numbersAssigned: count(),
    })
    .from(provisionedUsers)
    .where(
      and(withinScope(scope, provisionedUsers.enterpriseAccountId), eq(provisionedUsers.deleting, false)),
    )
    .groupBy(provisionedUsers.enterpriseAccountId);
  const devices = await db
    .select({ enterpriseAccountId: sipDevices.enterpriseAccountId, n: count() })
    .from(sipDevices)
    .where(withinScope(scope, sipDevices.enterpriseAccountId))
    .groupBy(sipDevices.enterpriseAccountId);
  const byId = new Map<string, SeatFigures>();
  const entry = (id: string) => {
    let figures = byId.get(id);
    if (!figures) {
      figures = { enterpriseAccountId: id, callingEnabledUsers: 0, numbersAssigned: 0, sipDevices: 0 };
      byId.set(id, figures);
    }
    return figures;
  };
  for (const row of users) {
    const figures = entry(row.enterpriseAccountId);
    figures.callingEnabledUsers = row.callingEnabledUsers;
    figures.numbersAssigned = row.numbersAssigned;
  }
  for (const row of devices) entry(row.enterpriseAccountId).sipDevices = row.n;
  return [...byId.values()];
}
