import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { targetAccountOf } from "../../http/access.js";
import { uuid } from "../../http/schema-primitives.js";
import { MONTH_PATTERN, utcDay } from "./days.js";
import type { MinutesDeps } from "./minutes.js";
import { usageCsv, usageReport } from "./service.js";

const params = z.object({ accountId: uuid() });
const querystring = z.object({
  month: z
    .string()
    .regex(MONTH_PATTERN, "Give the month as YYYY-MM (years 1900–9999), e.g. 2026-11.")
    .optional()
    .describe("The month (YYYY-MM, UTC); default: the current month."),
});

const figures = {
  callingEnabledPeak: z
    .number()
    .int()
    .describe("The most users with calling enabled on any day of the month."),
  callingEnabledEnd: z
    .number()
    .int()
    .describe("Users with calling enabled at the end of the month (so far)."),
  numbersAssigned: z.number().int().describe("Numbers assigned to users at the end of the month (so far)."),
  sipDevices: z.number().int().describe("SIP devices at the end of the month (so far)."),
  minutes: z
    .number()
    .int()
    .nullable()
    .describe(
      "Answered call minutes (talk time from the SBC's call logs, rounded on the month's sum); a roll-up adds " +
        "its enterprises'. Null when no day of the month could be measured.",
    ),
};
const rollUp = z.object({
  accountId: z.string(),
  kind: z.enum(["operator", "partner", "enterprise"]),
  name: z.string(),
  enterprises: z.number().int(),
  ...figures,
});
const report = z.object({
  month: z.string(),
  asOf: z.string().describe("The last day counted: the month's last day, or today in the current month."),
  complete: z.boolean().describe("False for the current month, whose figures are so far."),
  minutesNote: z
    .string()
    .nullable()
    .describe("Null when every day counted has its minutes; else says that none or only some were measured."),
  enterprises: z.array(
    z.object({
      accountId: z.string(),
      name: z.string(),
      parentAccountId: z.string().nullable(),
      parentName: z.string().nullable(),
      days: z.number().int(),
      ...figures,
    }),
  ),
  partners: z.array(rollUp),
  total: rollUp,
});

const access = { config: { access: { kind: "account" as const, permission: "read" as const } } };

/** The seat and usage report of an account and everything below it, as JSON and as CSV. */
export function usageRoutes(deps: MinutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/usage",
      {
        ...access,
        schema: {
          tags: ["usage"],
          operationId: "getUsageReport",
          description:
            "Seats and usage of a month for this account and every account below it: one row per enterprise " +
            "and a roll-up per partner. Past months come from the daily snapshots only; the current month " +
            "adds today's live figures.",
          params,
          querystring,
          response: { 200: report },
        },
      },
      async (request) => usageReport(deps, targetAccountOf(request), request.query.month ?? currentMonth()),
    );

    app.get(
      "/api/accounts/:accountId/usage.csv",
      {
        ...access,
        schema: {
          tags: ["usage"],
          operationId: "exportUsageReport",
          description: "The same report as CSV: a line per enterprise, per partner roll-up, and the total.",
          params,
          querystring,
          produces: ["text/csv"],
        },
      },
      async (request, reply) => {
        const month = request.query.month ?? currentMonth();
        const csv = usageCsv(await usageReport(deps, targetAccountOf(request), month));
        return reply
          .type("text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="usage-${month}.csv"`)
          .send(csv);
      },
    );
  };
}

const currentMonth = () => utcDay(new Date()).slice(0, 7);
