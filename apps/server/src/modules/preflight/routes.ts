import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { targetAccountOf } from "../../http/access.js";
import { uuid } from "../../http/schema-primitives.js";
import { assertEnterprise } from "../enterprises/index.js";
import type { PreflightDeps } from "./deps.js";
import { runPreflight } from "./service.js";

const params = z.object({ accountId: uuid() });

const lineSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    status: z.enum(["ok", "warning", "failed", "waiting", "unknown"]),
    detail: z.string(),
    fix: z.string().nullable(),
  })
  .meta({ id: "PreflightLine" });

const reportSchema = z
  .object({ enterpriseAccountId: z.string(), checkedAt: z.string(), lines: z.array(lineSchema) })
  .meta({ id: "PreflightReport" });

/** The enterprise's tenant health check, run on each request (read-only). */
export function preflightRoutes(deps: PreflightDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/preflight",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: { tags: ["preflight"], operationId: "getPreflight", params, response: { 200: reportSchema } },
      },
      async (request) => {
        const enterprise = targetAccountOf(request);
        assertEnterprise(enterprise);
        return runPreflight(deps, enterprise.id);
      },
    );
  };
}
