import { Readable } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { targetAccountOf } from "../../http/access.js";
import { cursor, isoDateOrDateTime, uuid } from "../../http/schema-primitives.js";
import { callLogsCsv } from "./csv.js";
import { type CallLogsDeps, callLogsOf } from "./deps.js";
import { decodeCallLogCursor } from "./service.js";

const filters = z.object({
  from: isoDateOrDateTime().optional().describe("Calls that started at or after (a date: its start, UTC)."),
  to: isoDateOrDateTime().optional().describe("Calls that started at or before (a date: its end, UTC)."),
  direction: z.enum(["pbx-to-teams", "teams-to-pbx"]).optional(),
  result: z.enum(["answered", "missed", "failed"]).optional(),
  teamsUserId: uuid().optional().describe("One provisioned Teams user's calls."),
  number: z
    .string()
    .regex(/^\+?[0-9*#]{1,32}$/, "Digits, optionally after +.")
    .optional()
    .describe("Part of the calling or called number."),
});

const callLogView = z
  .object({
    id: z.number().int(),
    startedAt: z.string(),
    answeredAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    durationSeconds: z.number(),
    direction: z.enum(["pbx-to-teams", "teams-to-pbx"]),
    result: z.enum(["answered", "missed", "failed"]),
    sipCode: z.string().nullable(),
    sipReason: z.string().nullable(),
    fromNumber: z.string(),
    toNumber: z.string(),
    enterprise: z.object({ id: z.string(), name: z.string() }),
    trunkFqdn: z.string(),
    teamsUser: z
      .object({ id: z.string(), displayName: z.string(), userPrincipalName: z.string() })
      .nullable(),
    teamsUserNumber: z.string(),
    microsoftProxy: z.string().nullable(),
    callId: z.string(),
  })
  .meta({ id: "CallLog" });

/** A bare date stands for its whole UTC day: `from` its first millisecond, `to` its last. */
const bound = (value: string | undefined, time: string) =>
  value === undefined ? undefined : new Date(value.length === 10 ? `${value}T${time}Z` : value);

const parseFilters = (query: z.infer<typeof filters>) => ({
  ...query,
  from: bound(query.from, "00:00:00.000"),
  to: bound(query.to, "23:59:59.999"),
});

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/**
 * Call logs (the SBC's CDRs) of an account and everything below it: an enterprise sees its own calls, a
 * partner those of its subtree. A page (keyset cursor) and the CSV export with the same filters.
 */
export function callLogsRoutes(deps: Pick<CallLogsDeps, "db" | "sbc">): FastifyPluginAsyncZod {
  const access = { config: { access: { kind: "account" as const, permission: "read" as const } } };
  const callLogs = callLogsOf(deps);
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/call-logs",
      {
        ...access,
        schema: {
          tags: ["call-logs"],
          operationId: "listCallLogs",
          description: "Calls through the SBC, newest first, one page at a time (`nextCursor`).",
          params: z.object({ accountId: uuid() }),
          querystring: filters.extend({
            cursor: cursor(decodeCallLogCursor, 200).optional(),
            limit: z.coerce.number().int().min(1).max(500).optional(),
          }),
          response: { 200: z.object({ items: z.array(callLogView), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const page = await callLogs.listCallLogs(targetAccountOf(request), {
          ...parseFilters(request.query),
          cursor: request.query.cursor,
          limit: request.query.limit,
        });
        return {
          items: page.items.map((call) => ({
            ...call,
            startedAt: call.startedAt.toISOString(),
            answeredAt: iso(call.answeredAt),
            endedAt: iso(call.endedAt),
          })),
          nextCursor: page.nextCursor,
        };
      },
    );

    app.get(
      "/api/accounts/:accountId/call-logs.csv",
      {
        ...access,
        schema: {
          tags: ["call-logs"],
          operationId: "exportCallLogs",
          description: "Every call matching the filters as CSV (header row first, newest first), streamed.",
          params: z.object({ accountId: uuid() }),
          querystring: filters,
          produces: ["text/csv"],
        },
      },
      async (request, reply) => {
        const account = targetAccountOf(request);
        const query = parseFilters(request.query);
        const pages = callLogs.allCallLogs(account, query);
        // The first page is read before answering, so a bad filter is still a problem+json, not a broken file.
        const first = await pages.next();
        async function* all() {
          if (first.done) return;
          yield first.value;
          yield* pages;
        }
        return reply
          .type("text/csv; charset=utf-8")
          .header(
            "content-disposition",
            `attachment; filename="call-logs-${new Date().toISOString().slice(0, 10)}.csv"`,
          )
          .send(Readable.from(callLogsCsv(all())));
      },
    );
  };
}
