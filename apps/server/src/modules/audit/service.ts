import { and, desc, eq, gte, ilike, isNull, like, lt, lte, or, sql } from "drizzle-orm";
import type { FastifyRequest } from "fastify";
import type { Executor } from "../../db/client.js";
import { isDateInRange } from "../../http/schema-primitives.js";
import { accounts } from "../tenancy/schema.js";
import type { AuditContext } from "./repository.js";
import { auditEvents } from "./schema.js";

/** Who is acting, from where: the context every audited write of a request passes on. */
export function requestAuditContext(request: FastifyRequest): AuditContext {
  return { actor: request.actor, ip: request.ip, requestId: request.id };
}

export interface AuditFilters {
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit?: number;
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

function encodeCursor(row: { at: Date; id: string }) {
  return Buffer.from(`${row.at.toISOString()}|${row.id}`).toString("base64url");
}

/** A cursor of this listing, or null when it was not made here (the route refuses it with 400). */
export function decodeAuditCursor(cursor: string): { at: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const date = at ? new Date(at) : null;
  if (!date || !isDateInRange(date) || !id || !/^[0-9a-f-]{36}$/i.test(id)) return null;
  return { at: date, id };
}

/**
 * The audit log of an account and everything below it, newest first.
 * Events without an account (sign-in attempts for unknown usernames) belong to the operator.
 */
export async function listAuditEvents(
  db: Executor,
  scope: { path: string; kind: string },
  filters: AuditFilters,
) {
  const limit = Math.min(filters.limit ?? 50, 5000);
  const actorAccounts = sql`actor_accounts`;
  const inScope = like(accounts.path, `${scope.path}%`);
  const conditions = [scope.kind === "operator" ? or(inScope, isNull(auditEvents.accountId)) : inScope];
  if (filters.actor)
    conditions.push(ilike(auditEvents.actorEmail, `%${filters.actor.replace(/[%_\\]/g, "\\$&")}%`));
  if (filters.action)
    conditions.push(like(auditEvents.action, `${filters.action.replace(/[%_\\]/g, "\\$&")}%`));
  if (filters.from) conditions.push(gte(auditEvents.at, filters.from));
  if (filters.to) conditions.push(lte(auditEvents.at, filters.to));
  const cursor = filters.cursor ? decodeAuditCursor(filters.cursor) : null;
  if (cursor) {
    conditions.push(
      or(lt(auditEvents.at, cursor.at), and(eq(auditEvents.at, cursor.at), lt(auditEvents.id, cursor.id))),
    );
  }
  const rows = await db
    .select({
      id: auditEvents.id,
      at: auditEvents.at,
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
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit) as AuditRow[];
  return { items: page, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null };
}

const csvCell = (value: unknown) => {
  if (value === null || value === undefined) return "";
  let text =
    typeof value === "string" ? value : value instanceof Date ? value.toISOString() : JSON.stringify(value);
  // Cells starting with = + - @ would run as formulas in spreadsheets.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function auditCsv(rows: AuditRow[]): string {
  const header = [
    "time",
    "actor",
    "actor account",
    "account",
    "action",
    "target type",
    "target id",
    "before",
    "after",
    "ip",
  ];
  const lines = rows.map((r) =>
    [
      r.at,
      r.actorEmail,
      r.actorAccountName,
      r.accountName,
      r.action,
      r.targetType,
      r.targetId,
      r.before,
      r.after,
      r.ip,
    ]
      .map(csvCell)
      .join(","),
  );
  return `${[header.join(","), ...lines].join("\r\n")}\r\n`;
}
