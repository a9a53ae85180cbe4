import type { Executor } from "../../db/client.js";
import type { Actor } from "../../http/access.js";
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
