import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { Problem } from "../../http/problem.js";
import { uuid } from "../../http/schema-primitives.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { recordAudit, requestAuditContext } from "../audit/index.js";
import { assertEnterprise, assertManagedFromAbove } from "../enterprises/index.js";
import { waitingForMicrosoftView } from "../microsoft/index.js";
import { tenantScope } from "../tenancy/index.js";
import { startSetupIfReady } from "./jobs.js";
import { setupView } from "./view.js";

const params = z.object({ accountId: uuid() });

const stepStatus = z.enum(["pending", "running", "waiting", "done", "failed"]);
export const setupSchema = z
  .object({
    status: z.enum(["not-started", "queued", "running", "waiting", "completed", "failed"]),
    lastError: z.string().nullable(),
    missing: z.array(z.string()),
    completedAt: z.string().nullable(),
    steps: z.array(
      z.object({
        key: z.string(),
        title: z.string(),
        status: stepStatus,
        lastError: z.string().nullable(),
        attempts: z.number().int(),
        updatedAt: z.string().nullable(),
        txtRecord: z.object({ name: z.string(), value: z.string(), ttl: z.number() }).nullable(),
        /** The derived-trunk records the operator must add (manual DNS, or no record target set). */
        dnsRecords: z
          .object({
            operatorMust: z.string(),
            records: z.array(
              z.object({ name: z.string(), type: z.string(), value: z.string(), ttl: z.number() }),
            ),
          })
          .nullable(),
        /** "Waiting for Microsoft: <what>": since when, Microsoft's usual and maximum delay, the next check. */
        waitingForMicrosoft: waitingForMicrosoftView.extend({ checks: z.number().int() }).nullable(),
      }),
    ),
  })
  .meta({ id: "DirectRoutingSetup" });

export function directRoutingSetupRoutes(deps: {
  db: Database;
  jobs: Pick<JobQueue, "enqueue">;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/direct-routing-setup",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["teams"],
          operationId: "getDirectRoutingSetup",
          params,
          response: { 200: setupSchema },
        },
      },
      async (request) => {
        const target = targetAccountOf(request);
        assertEnterprise(target);
        return setupView(deps.db, tenantScope(target), target.id);
      },
    );

    // "Run again" (failed steps, or everything with recheck), "Verify" (the DNS step) and "Check now" (a step
    // waiting for Microsoft, checked at once instead of at its next check time) all queue a run.
    for (const [path, operationId, recheck] of [
      ["run", "runDirectRoutingSetup", false],
      ["verify-dns", "verifyDirectRoutingDns", false],
      ["recheck", "recheckDirectRoutingSetup", true],
      ["check-now", "checkDirectRoutingSetupNow", false],
    ] as const) {
      app.post(
        `/api/accounts/:accountId/direct-routing-setup/${path}`,
        {
          config: { access: { kind: "account", permission: "write" } },
          schema: { tags: ["teams"], operationId, params, response: { 202: setupSchema } },
        },
        async (request, reply) => {
          const target = targetAccountOf(request);
          assertEnterprise(target);
          assertManagedFromAbove(request.actor!, target);
          const started = await startSetupIfReady(deps, target.id, { recheck });
          if (!started) {
            const view = await setupView(deps.db, tenantScope(target), target.id);
            throw Problem.conflict(`The setup needs ${view.missing.join(", ")} first.`);
          }
          await recordAudit(deps.db, requestAuditContext(request), {
            action: `direct-routing-setup.${path}`,
            accountId: target.id,
            targetType: "direct-routing-setup",
            targetId: target.id,
          });
          return reply.code(202).send(await setupView(deps.db, tenantScope(target), target.id));
        },
      );
    }
  };
}
