import { and, count, eq, inArray, ne, type SQL, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.js";
import { type TenantScope, withinScope } from "../../tenancy/index.js";
import { PENDING_PREFIX, type ProvisionedUser, provisionedUsers, teamsUsers } from "../schema.js";

type NewProvisionedUser = Omit<typeof provisionedUsers.$inferInsert, "id" | "enterpriseAccountId">;
type ProvisionedUserChanges = Partial<Omit<NewProvisionedUser, "teamsUserObjectId">>;

/**
 * Provisioned users (Teams user ↔ PBX ↔ number ↔ voice route) and the synced Teams users they are made from.
 * Everything is read, changed and deleted within the scope; new rows belong to `scope.accountId` (an
 * enterprise). `platform` holds the statements no tenant calls (the schedule's sweep, platform-wide uniqueness).
 */
export function usersRepository(db: Executor) {
  const mine = (scope: TenantScope) => withinScope(scope, provisionedUsers.enterpriseAccountId);
  const teamsUserIn = (scope: TenantScope) => withinScope(scope, teamsUsers.enterpriseAccountId);
  /** A user of the scope matching `condition`, other than `excludeUserId`: its id and UPN. */
  const otherUser = async (
    scope: TenantScope,
    condition: SQL,
    excludeUserId: string | undefined,
    tx: Executor,
  ) => {
    const [row] = await tx
      .select({ id: provisionedUsers.id, upn: provisionedUsers.userPrincipalName })
      .from(provisionedUsers)
      .where(and(mine(scope), condition, excludeUserId ? ne(provisionedUsers.id, excludeUserId) : undefined));
    return row;
  };
  return {
    /** One writer of an enterprise's users at a time (until the transaction ends), so duplicate checks hold. */
    async lockUsers(scope: TenantScope, tx: Executor) {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`users:${scope.accountId}`}))`);
    },

    /** A synced Teams user by object id, or (case-insensitive) by UPN. */
    async findTeamsUser(scope: TenantScope, by: { objectId: string } | { upn: string }, tx: Executor = db) {
      const [row] = await tx
        .select()
        .from(teamsUsers)
        .where(
          and(
            teamsUserIn(scope),
            "objectId" in by
              ? eq(teamsUsers.objectId, by.objectId)
              : sql`lower(${teamsUsers.userPrincipalName}) = ${by.upn.toLowerCase() || "\u0000"}`,
          ),
        );
      return row;
    },

    /** A user typed by UPN before consent: stored as `pending:<upn>` until provisioning resolves it. */
    async upsertPendingTeamsUser(scope: TenantScope, upn: string, tx: Executor = db) {
      const [row] = await tx
        .insert(teamsUsers)
        .values({
          enterpriseAccountId: scope.accountId,
          objectId: `${PENDING_PREFIX}${upn}`,
          userPrincipalName: upn,
          displayName: "",
          eligible: true,
          ineligibleReason: null,
        })
        .onConflictDoUpdate({
          target: [teamsUsers.enterpriseAccountId, teamsUsers.objectId],
          set: { syncedAt: new Date() },
        })
        .returning();
      return row;
    },

    async find(scope: TenantScope, id: string, tx: Executor = db): Promise<ProvisionedUser | undefined> {
      const [row] = await tx
        .select()
        .from(provisionedUsers)
        .where(and(eq(provisionedUsers.id, id), mine(scope)));
      return row;
    },

    async findByTeamsUser(scope: TenantScope, teamsUserObjectId: string, tx: Executor = db) {
      const [row] = await tx
        .select({ id: provisionedUsers.id })
        .from(provisionedUsers)
        .where(and(mine(scope), eq(provisionedUsers.teamsUserObjectId, teamsUserObjectId)));
      return row;
    },

    /** Another user of the scope with this SIP user at this PBX location. */
    async findBySipUser(
      scope: TenantScope,
      pbxLocation: string,
      sipUser: string,
      excludeUserId: string | undefined,
      tx: Executor = db,
    ) {
      const same = and(eq(provisionedUsers.pbxLocation, pbxLocation), eq(provisionedUsers.sipUser, sipUser));
      return otherUser(scope, same!, excludeUserId, tx);
    },

    /** Another user of the scope with this number. */
    async findByNumber(
      scope: TenantScope,
      number: string,
      excludeUserId: string | undefined,
      tx: Executor = db,
    ) {
      return otherUser(scope, eq(provisionedUsers.phoneNumber, number), excludeUserId, tx);
    },

    async insert(
      scope: TenantScope,
      values: NewProvisionedUser,
      tx: Executor = db,
    ): Promise<ProvisionedUser> {
      const [row] = await tx
        .insert(provisionedUsers)
        .values({ ...values, enterpriseAccountId: scope.accountId })
        .returning();
      return row!;
    },

    async update(scope: TenantScope, id: string, changes: ProvisionedUserChanges, tx: Executor = db) {
      const [row] = await tx
        .update(provisionedUsers)
        .set({ ...changes, updatedAt: new Date() })
        .where(and(eq(provisionedUsers.id, id), mine(scope)))
        .returning();
      return row;
    },

    async delete(scope: TenantScope, id: string, tx: Executor = db) {
      await tx.delete(provisionedUsers).where(and(eq(provisionedUsers.id, id), mine(scope)));
    },

    /** The user a bulk-import row describes, added (by a run that died) exactly so. */
    async findExactly(
      scope: TenantScope,
      user: { upn: string; pbxLocation: string; sipUser: string; phoneNumber: string },
      tx: Executor = db,
    ) {
      const [row] = await tx
        .select({ id: provisionedUsers.id })
        .from(provisionedUsers)
        .where(
          and(
            mine(scope),
            sql`lower(${provisionedUsers.userPrincipalName}) = ${user.upn.toLowerCase()}`,
            eq(provisionedUsers.pbxLocation, user.pbxLocation),
            eq(provisionedUsers.sipUser, user.sipUser),
            eq(provisionedUsers.phoneNumber, user.phoneNumber),
          ),
        );
      return row;
    },

    /** Synced Teams users by (lower-case) UPN, with whether each is added already. */
    async teamsUsersByUpn(scope: TenantScope, upns: string[], tx: Executor = db) {
      if (upns.length === 0) return [];
      return tx
        .select({
          objectId: teamsUsers.objectId,
          upn: sql<string>`lower(${teamsUsers.userPrincipalName})`,
          eligible: teamsUsers.eligible,
          reason: teamsUsers.ineligibleReason,
          provisioned: sql<boolean>`exists (select 1 from provisioned_users p where p.enterprise_account_id = ${teamsUsers.enterpriseAccountId} and p.teams_user_object_id = ${teamsUsers.objectId})`,
        })
        .from(teamsUsers)
        .where(and(teamsUserIn(scope), inArray(sql`lower(${teamsUsers.userPrincipalName})`, upns)));
    },

    /** (PBX location, SIP user) pairs of the scope's users among these SIP users. */
    async sipUsersTaken(scope: TenantScope, sipUsers: string[], tx: Executor = db) {
      if (sipUsers.length === 0) return [];
      return tx
        .select({ pbxLocation: provisionedUsers.pbxLocation, sipUser: provisionedUsers.sipUser })
        .from(provisionedUsers)
        .where(and(mine(scope), inArray(provisionedUsers.sipUser, sipUsers)));
    },

    /** Users of the scope with calling enabled and provisioned (the dashboard's count). */
    async countCallingEnabled(scope: TenantScope, tx: Executor = db) {
      const [row] = await tx
        .select({ n: count() })
        .from(provisionedUsers)
        .where(
          and(mine(scope), eq(provisionedUsers.callingEnabled, true), eq(provisionedUsers.status, "done")),
        );
      return row?.n ?? 0;
    },

    /** How many of the scope's users wait for consent, failed, or need cleanup (the dashboard's action items). */
    async countAttention(scope: TenantScope, tx: Executor = db) {
      const [row] = await tx
        .select({
          pendingConsent: sql<number>`count(*) filter (where ${provisionedUsers.status} = 'pending-consent')::int`,
          failed: sql<number>`count(*) filter (where ${provisionedUsers.status} = 'failed')::int`,
          cleanup: sql<number>`count(*) filter (where ${provisionedUsers.cleanupRequired})::int`,
        })
        .from(provisionedUsers)
        .where(mine(scope));
      return {
        pendingConsent: row?.pendingConsent ?? 0,
        failed: row?.failed ?? 0,
        cleanup: row?.cleanup ?? 0,
      };
    },

    platform: {
      /** Whether any user on the platform other than `excludeUserId` has the number (numbers are unique). */
      async numberInUse(number: string, excludeUserId: string | undefined, tx: Executor = db) {
        const [row] = await tx
          .select({ id: provisionedUsers.id })
          .from(provisionedUsers)
          .where(
            and(
              eq(provisionedUsers.phoneNumber, number),
              excludeUserId ? ne(provisionedUsers.id, excludeUserId) : undefined,
            ),
          );
        return Boolean(row);
      },

      /** Of these numbers, those some user on the platform has. */
      async numbersInUse(numbers: string[], tx: Executor = db) {
        if (numbers.length === 0) return [];
        const rows = await tx
          .select({ number: provisionedUsers.phoneNumber })
          .from(provisionedUsers)
          .where(inArray(provisionedUsers.phoneNumber, numbers));
        return rows.map((r) => r.number);
      },

      /** The schedule's sweep: users waiting for consent whose enterprise is now connected become queued. */
      async queueUsersWithConsent(tx: Executor = db) {
        const rows = await tx
          .update(provisionedUsers)
          .set({ status: "queued", updatedAt: new Date() })
          .where(
            and(
              eq(provisionedUsers.status, "pending-consent"),
              sql`exists (select 1 from microsoft_connections c where c.enterprise_account_id = ${provisionedUsers.enterpriseAccountId} and c.status = 'connected')`,
            ),
          )
          .returning({ id: provisionedUsers.id });
        return rows.map((r) => r.id);
      },
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
