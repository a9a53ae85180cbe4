import { and, eq, gte, ilike, isNull, like, lte, or, type SQL, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.js";
import { afterKeyset, exactTimestamp, keysetOrder } from "../../db/keyset.js";
import type { Actor } from "../../http/access.js";
import { accounts, type TenantScope, withinScope } from "../tenancy/index.js";
import { auditEvents } from "./schema.js";

export interface AuditEntry {
  action: string;
  accountId: string | null;
  targetType?: string;
  targetId?: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditContext {
  /** Who acted (an `Actor` fits); null for anonymous requests such as failed sign-ins. */
  actor: (Pick<Actor, "userId" | "email"> & { account: Pick<Actor["account"], "id"> }) | null;
  ip?: string;
  requestId?: string;
}

const SECRET_KEYS = /password|secret|token|hash|totp|recovery/i;

/** Drops any field whose name looks like a secret, at any depth, before it reaches the audit log. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !SECRET_KEYS.test(key))
        .map(([key, v]) => [key, withoutSecrets(v)]),
    );
  }
  return value;
}

/** Appends to the audit log. Pass the transaction that made the change, so both land or neither. */
export async function recordAudit(db: Executor, context: AuditContext, entry: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({
    action: entry.action,
    accountId: entry.accountId,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    before: entry.before === undefined ? null : withoutSecrets(entry.before),
    after: entry.after === undefined ? null : withoutSecrets(entry.after),
    actorUserId: context.actor?.userId ?? null,
    actorEmail: context.actor?.email ?? null,
    actorAccountId: context.actor?.account.id ?? null,
    ip: context.ip ?? null,
    requestId: context.requestId ?? null,
  });
}

export interface AuditRow {
  id: string;
  at: Date;
  actorEmail: string | null;
  actorAccountId: string | null;
  actorAccountName: string | null;
  accountId: string | null;
  accountName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}

export interface AuditQuery {
  /** Also the events of no account (sign-in attempts for unknown usernames): the operator's. */
  includeUnassigned: boolean;
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** Keyset position: events older than this (at as exact text, id). */
  before?: readonly [string, string];
  limit: number;
}

const escapeLike = (value: string) => value.replace(/[%_\\]/g, "\\$&");

/** The audit log, read within a scope: events of the acting account and everything below it. */
export function auditRepository(db: Executor) {
  return {
    /** Newest first. */
    async list(
      scope: TenantScope,
      query: AuditQuery,
      tx: Executor = db,
    ): Promise<(AuditRow & { atExact: string })[]> {
      const keys = [auditEvents.at, auditEvents.id];
      const actorAccounts = sql`actor_accounts`;
      const inScope = withinScope(scope, auditEvents.accountId);
      const conditions: (SQL | undefined)[] = [
        query.includeUnassigned ? or(inScope, isNull(auditEvents.accountId)) : inScope,
      ];
      if (query.actor) conditions.push(ilike(auditEvents.actorEmail, `%${escapeLike(query.actor)}%`));
      if (query.action) conditions.push(like(auditEvents.action, `${escapeLike(query.action)}%`));
      if (query.from) conditions.push(gte(auditEvents.at, query.from));
      if (query.to) conditions.push(lte(auditEvents.at, query.to));
      if (query.before) conditions.push(afterKeyset(keys, query.before, "desc"));
      return tx
        .select({
          id: auditEvents.id,
          at: auditEvents.at,
          atExact: exactTimestamp(auditEvents.at),
          actorEmail: auditEvents.actorEmail,
          actorAccountId: auditEvents.actorAccountId,
          actorAccountName: sql<
            string | null
          >`(select name from ${accounts} as ${actorAccounts} where ${actorAccounts}.id = ${auditEvents.actorAccountId})`,
          accountId: auditEvents.accountId,
          accountName: accounts.name,
          action: auditEvents.action,
          targetType: auditEvents.targetType,
          targetId: auditEvents.targetId,
          before: auditEvents.before,
          after: auditEvents.after,
          ip: auditEvents.ip,
        })
        .from(auditEvents)
        .leftJoin(accounts, eq(accounts.id, auditEvents.accountId))
        .where(and(...conditions))
        .orderBy(...keysetOrder(keys, "desc"))
        .limit(query.limit);
    },
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;
