import { and, asc, eq, gte, inArray, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { type TenantScope, withinScope } from "../../tenancy/index.js";
import { provisionedUsers, type SipDevice, sipDevices } from "../schema.js";

/** SIP devices (registrations) of provisioned users; passwords stay sealed here. */
export function devicesRepository(db: Executor) {
  const mine = (scope: TenantScope) => withinScope(scope, sipDevices.enterpriseAccountId);
  return {
    /** The user's devices, oldest first. */
    async forUser(scope: TenantScope, provisionedUserId: string, tx: Executor = db): Promise<SipDevice[]> {
      return tx
        .select()
        .from(sipDevices)
        .where(and(mine(scope), eq(sipDevices.provisionedUserId, provisionedUserId)))
        .orderBy(asc(sipDevices.createdAt));
    },

    async find(scope: TenantScope, provisionedUserId: string, deviceId: string, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(sipDevices)
        .where(
          and(mine(scope), eq(sipDevices.id, deviceId), eq(sipDevices.provisionedUserId, provisionedUserId)),
        );
      return row;
    },

    /** The scope's device with this SIP Authentication ID (unique per enterprise). */
    async findByAuthId(scope: TenantScope, authId: string, tx: Executor = db) {
      const [row] = await tx
        .select({ id: sipDevices.id, provisionedUserId: sipDevices.provisionedUserId })
        .from(sipDevices)
        .where(and(mine(scope), eq(sipDevices.authId, authId)));
      return row;
    },

    /** Of these SIP Authentication IDs, those the scope's devices use. */
    async authIdsTaken(scope: TenantScope, authIds: string[], tx: Executor = db) {
      if (authIds.length === 0) return [];
      const rows = await tx
        .select({ authId: sipDevices.authId })
        .from(sipDevices)
        .where(and(mine(scope), inArray(sipDevices.authId, authIds)));
      return rows.map((r) => r.authId);
    },

    /** Adds a device to a user of the scope (nothing for a user outside it). */
    async insert(
      scope: TenantScope,
      values: { id: string; provisionedUserId: string; authId: string; passwordSealed: string },
      tx: Executor = db,
    ) {
      const [owner] = await tx
        .select({ id: provisionedUsers.id })
        .from(provisionedUsers)
        .where(
          and(
            eq(provisionedUsers.id, values.provisionedUserId),
            withinScope(scope, provisionedUsers.enterpriseAccountId),
          ),
        );
      if (!owner) return;
      await tx.insert(sipDevices).values({ ...values, enterpriseAccountId: scope.accountId });
    },

    async update(
      scope: TenantScope,
      id: string,
      changes: { authId: string; passwordSealed?: string },
      tx: Executor = db,
    ) {
      await tx
        .update(sipDevices)
        .set({ ...changes, updatedAt: new Date() })
        .where(and(eq(sipDevices.id, id), mine(scope)));
    },

    async delete(scope: TenantScope, id: string, tx: Executor = db) {
      await tx.delete(sipDevices).where(and(eq(sipDevices.id, id), mine(scope)));
    },
  };
}

export type DevicesRepository = ReturnType<typeof devicesRepository>;

/** A SIP device as the SBC reads it, with its user's SIP user, number and state. */
export type SbcDevice = {
  id: string;
  authId: string;
  passwordSealed: string;
  /** md5 of the device id, auth id, sealed password and SIP user: changes with the credentials. */
  revision: string;
  sipUser: string;
  number: string;
  callingEnabled: boolean;
  /** The user is being deleted (the SBC drops the device). */
  deleting: boolean;
};

/** The SIP devices of the enterprise's users (also those being deleted), oldest first; none outside `scope`. */
export async function sbcDevices(
  scope: TenantScope,
  enterpriseAccountId: string,
  tx: Executor,
): Promise<SbcDevice[]> {
  return tx
    .select({
      id: sipDevices.id,
      authId: sipDevices.authId,
      passwordSealed: sipDevices.passwordSealed,
      revision: sql<string>`md5(concat_ws(',', ${sipDevices.id}, ${sipDevices.authId}, ${sipDevices.passwordSealed}, ${provisionedUsers.sipUser}))`,
      sipUser: provisionedUsers.sipUser,
      number: provisionedUsers.phoneNumber,
      callingEnabled: provisionedUsers.callingEnabled,
      deleting: provisionedUsers.deleting,
    })
    .from(sipDevices)
    .innerJoin(provisionedUsers, eq(provisionedUsers.id, sipDevices.provisionedUserId))
    .where(
      and(
        eq(sipDevices.enterpriseAccountId, enterpriseAccountId),
        withinScope(scope, sipDevices.enterpriseAccountId),
      ),
    )
    .orderBy(asc(sipDevices.createdAt), asc(sipDevices.id));
}

/**
 * Enterprises whose provisioned users or SIP devices changed at or after `since` (all with one when null).
 * Unscoped: the SBC's change watch, a platform background loop that only learns ids (each sync then reads
 * within scope).
 */
export async function sipUsersChangedSince(db: Executor, since: Date | null): Promise<string[]> {
  const users = db
    .selectDistinct({ id: provisionedUsers.enterpriseAccountId })
    .from(provisionedUsers)
    .where(since ? gte(provisionedUsers.updatedAt, since) : undefined);
  const devices = db
    .selectDistinct({ id: sipDevices.enterpriseAccountId })
    .from(sipDevices)
    .where(since ? gte(sipDevices.updatedAt, since) : undefined);
  const rows = await users.union(devices);
  return rows.map((row) => row.id);
}
