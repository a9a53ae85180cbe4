import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { targetAccountOf } from "../../http/access.js";
import { Problem } from "../../http/problem.js";
import { uuid } from "../../http/schema-primitives.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { recordAudit, requestAuditContext } from "../audit/index.js";
import { ConsentFailure, type MicrosoftDeps, startConsent } from "../microsoft/index.js";
import { assertOperatorAdmin } from "../operator-settings/index.js";
import { enqueueCarrierTrunk } from "./carrier-jobs.js";
import { type CarrierTrunkDeps, carrierTrunkView, updateCarrierTrunkParameters } from "./carrier-trunk.js";

const params = z.object({ accountId: uuid() });

const carrierTrunkSchema = z
  .object({
    state: z.enum(["not-connected", "configuring", "ready", "failed"]),
    error: z.string().nullable(),
    tenantId: z.string().nullable(),
    tenantDomain: z.string().nullable(),
    fqdn: z.string().nullable(),
    sipSignalingPort: z.number().int(),
    maxConcurrentSessions: z.number().int(),
    appliedAt: z.string().nullable(),
  })
  .meta({ id: "CarrierTrunk" });

const carrierTrunkInput = z.object({
  sipSignalingPort: z
    .number({ error: "Enter the SIP signalling port (1-65535)." })
    .int("Enter the SIP signalling port (1-65535).")
    .min(1, "Enter the SIP signalling port (1-65535).")
    .max(65535, "Enter the SIP signalling port (1-65535)."),
  maxConcurrentSessions: z
    .number({ error: "Enter the maximum concurrent sessions (1-100000)." })
    .int("Enter the maximum concurrent sessions (1-100000).")
    .min(1, "Enter the maximum concurrent sessions (1-100000).")
    .max(100_000, "Enter the maximum concurrent sessions (1-100000)."),
});

/** The carrier's own tenant and its base-domain trunk, in Operator settings (operator Admins only). */
export type CarrierTrunkRoutesDeps = CarrierTrunkDeps & MicrosoftDeps & { jobs: Pick<JobQueue, "enqueue"> };

export function carrierTrunkRoutes(deps: CarrierTrunkRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const access = { access: { kind: "account", permission: "administer" } } as const;

    app.get(
      "/api/accounts/:accountId/carrier-trunk",
      {
        config: access,
        schema: {
          tags: ["operator"],
          operationId: "getCarrierTrunk",
          params,
          response: { 200: carrierTrunkSchema },
        },
      },
      async (request) => {
        assertOperatorAdmin(request.actor!, targetAccountOf(request));
        return carrierTrunkView(deps);
      },
    );

    app.put(
      "/api/accounts/:accountId/carrier-trunk",
      {
        config: access,
        schema: {
          tags: ["operator"],
          operationId: "updateCarrierTrunk",
          params,
          body: carrierTrunkInput,
          response: { 200: carrierTrunkSchema },
        },
      },
      async (request) => {
        assertOperatorAdmin(request.actor!, targetAccountOf(request));
        await deps.db.transaction(async (tx) => {
          const { before } = await updateCarrierTrunkParameters(tx, request.body);
          await recordAudit(tx, requestAuditContext(request), {
            action: "carrier-trunk.update",
            accountId: targetAccountOf(request).id,
            targetType: "carrier-trunk",
            targetId: "default",
            before: before
              ? {
                  sipSignalingPort: before.sipSignalingPort,
                  maxConcurrentSessions: before.maxConcurrentSessions,
                }
              : null,
            after: request.body,
          });
        });
        if ((await carrierTrunkView(deps)).state !== "not-connected") await enqueueCarrierTrunk(deps);
        return carrierTrunkView(deps);
      },
    );

    // "Connect the carrier tenant": the same admin-consent flow as an enterprise's, for the operator account.
    app.post(
      "/api/accounts/:accountId/carrier-trunk/connect",
      {
        config: access,
        schema: {
          tags: ["operator"],
          operationId: "connectCarrierTenant",
          params,
          response: { 200: z.object({ authorizeUrl: z.string() }) },
        },
      },
      async (request) => {
        assertOperatorAdmin(request.actor!, targetAccountOf(request));
        try {
          const { authorizeUrl } = await startConsent(deps, {
            enterpriseAccountId: targetAccountOf(request).id,
            startedByUserId: request.actor!.userId,
          });
          return { authorizeUrl };
        } catch (error) {
          if (error instanceof ConsentFailure) throw Problem.conflict(error.message);
          throw error;
        }
      },
    );

    app.post(
      "/api/accounts/:accountId/carrier-trunk/apply",
      {
        config: access,
        schema: {
          tags: ["operator"],
          operationId: "reapplyCarrierTrunk",
          params,
          response: { 202: carrierTrunkSchema },
        },
      },
      async (request, reply) => {
        assertOperatorAdmin(request.actor!, targetAccountOf(request));
        if ((await carrierTrunkView(deps)).state === "not-connected")
          throw Problem.conflict("Connect the carrier tenant first.");
        await enqueueCarrierTrunk(deps);
        return reply.code(202).send(await carrierTrunkView(deps));
      },
    );
  };
}
