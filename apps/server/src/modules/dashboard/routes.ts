import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { uuid } from "../../http/schema-primitives.js";
import { buildDashboard, type DashboardContributor } from "./service.js";

const dashboardView = z
  .object({
    account: z.object({
      id: z.uuid(),
      name: z.string(),
      kind: z.enum(["operator", "partner", "enterprise"]),
    }),
    counts: z.array(z.object({ key: z.string(), label: z.string(), value: z.number().int() })),
    actionItems: z.array(
      z.object({
        key: z.string(),
        severity: z.enum(["info", "warning", "error"]),
        title: z.string(),
        description: z.string(),
        href: z.string(),
        actionLabel: z.string(),
      }),
    ),
  })
  .meta({ id: "Dashboard" });

export function dashboardRoutes(
  deps: { db: Database },
  contributors: DashboardContributor[],
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/dashboard",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["dashboard"],
          operationId: "getDashboard",
          params: z.object({ accountId: uuid() }),
          response: { 200: dashboardView },
        },
      },
      async (request) => {
        const account = targetAccountOf(request);
        const { counts, actionItems } = await buildDashboard(deps.db, account, contributors);
        return { account: { id: account.id, name: account.name, kind: account.kind }, counts, actionItems };
      },
    );
  };
}
