import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { cursor, isoDateOrDateTime, text, uuid } from "../../http/schema-primitives.js";
import { auditRepository } from "./repository.js";
import { auditCsv, auditService, decodeAuditCursor } from "./service.js";

const filters = z.object({
  actor: text(320).optional(),
  action: text(100).optional(),
  from: isoDateOrDateTime().optional(),
  to: isoDateOrDateTime().optional(),
});

const auditEventView = z
  .object({
    id: z.uuid(),
    at: z.string(),
    actorEmail: z.string().nullable(),
    actorAccountId: z.string().nullable(),
    actorAccountName: z.string().nullable(),
    accountId: z.string().nullable(),
    accountName: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    ip: z.string().nullable(),
  })
  .meta({ id: "AuditEvent" });

function parseFilters(query: z.infer<typeof filters>) {
  const date = (value: string | undefined, endOfDay: boolean) => {
    if (!value) return undefined;
    return /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? new Date(`${value}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}Z`)
      : new Date(value);
  };
  return {
    actor: query.actor,
    action: query.action,
    from: date(query.from, false),
    to: date(query.to, true),
  };
}

/** The audit log of an account and everything below it (Admins only): a page of events and a CSV export. */
export function auditRoutes(deps: { db: Database }): FastifyPluginAsyncZod {
  const access = { config: { access: { kind: "account" as const, permission: "manage-users" as const } } };
  const audit = auditService({ events: auditRepository(deps.db) });
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/audit",
      {
        ...access,
        schema: {
          tags: ["audit"],
          operationId: "listAuditEvents",
          params: z.object({ accountId: uuid() }),
          querystring: filters.extend({
            cursor: cursor(decodeAuditCursor, 200).optional(),
            limit: z.coerce.number().int().min(1).max(200).optional(),
          }),
          response: { 200: z.object({ items: z.array(auditEventView), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const page = await audit.listAuditEvents(targetAccountOf(request), {
          ...parseFilters(request.query),
          cursor: request.query.cursor,
          limit: request.query.limit,
        });
        return {
          items: page.items.map((e) => ({ ...e, at: e.at.toISOString() })),
          nextCursor: page.nextCursor,
        };
      },
    );

    app.get(
      "/api/accounts/:accountId/audit/export",
      {
        ...access,
        schema: {
          tags: ["audit"],
          operationId: "exportAuditEvents",
          description: "The filtered audit log as CSV (at most 5000 events, newest first).",
          params: z.object({ accountId: uuid() }),
          querystring: filters,
          produces: ["text/csv"],
        },
      },
      async (request, reply) => {
        const page = await audit.listAuditEvents(targetAccountOf(request), {
          ...parseFilters(request.query),
          limit: 5000,
        });
        return reply
          .type("text/csv; charset=utf-8")
          .header(
            "content-disposition",
            `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`,
          )
          .send(auditCsv(page.items));
      },
    );
  };
}
