import type { FastifyRequest } from "fastify";
import { keysetCursor, toPage } from "../../http/pagination.js";
import { isDateInRange } from "../../http/schema-primitives.js";
import { tenantScope } from "../tenancy/index.js";
import type { AuditContext, AuditRepository, AuditRow } from "./repository.js";

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

/** Cursors of the audit log: (at, id) of the last event, `at` exact to the microsecond (http/pagination.ts). */
const auditCursor = keysetCursor("timestamp", "uuid");

/** A cursor of this listing, or null when it was not made here (the route refuses it with 400). */
export function decodeAuditCursor(cursor: string) {
  const values = auditCursor.decode(cursor);
  return values && isDateInRange(new Date(values[0])) ? values : null;
}

/** Reading the audit log. */
export function auditService(deps: { events: Pick<AuditRepository, "list"> }) {
  return {
    /**
     * The audit log of an account and everything below it, newest first.
     * Events without an account (sign-in attempts for unknown usernames) belong to the operator.
     */
    async listAuditEvents(account: { id: string; path: string; kind: string }, filters: AuditFilters) {
      const limit = Math.min(filters.limit ?? 50, 5000);
      const rows = await deps.events.list(tenantScope(account), {
        includeUnassigned: account.kind === "operator",
        actor: filters.actor,
        action: filters.action,
        from: filters.from,
        to: filters.to,
        before: (filters.cursor ? decodeAuditCursor(filters.cursor) : null) ?? undefined,
        limit: limit + 1,
      });
      const page = toPage(rows, limit, (last) => auditCursor.encode([last.atExact, last.id]));
      return { items: page.items.map(({ atExact: _, ...row }) => row), nextCursor: page.nextCursor };
    },
  };
}

export type AuditService = ReturnType<typeof auditService>;

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
