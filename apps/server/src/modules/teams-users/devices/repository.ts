import { and, asc, eq, inArray } from "drizzle-orm";
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
