import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { targetAccountOf } from "../../http/access.js";
import { uuid } from "../../http/schema-primitives.js";
import { assertEnterprise } from "../enterprises/index.js";
import type { SbcDeps } from "./deps.js";
import { enqueueSbcSync } from "./jobs.js";

const params = z.object({ accountId: uuid() });

const destination = z.object({
  uri: z.string(),
  state: z.enum(["reachable", "unreachable", "probing", "disabled", "unknown"]),
});

const registration = {
  state: z.enum(["registered", "registering", "failed", "disabled", "unknown"]),
  lastRegisteredAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
};

const nodeStatus = z
  .object({
    node: z.string().describe("The node's JSON-RPC host:port."),
    reachable: z.boolean(),
    error: z.string().nullable(),
    microsoftProxies: z.array(destination),
    pbx: z.array(destination),
    devices: z.array(z.object({ deviceId: z.string(), ...registration })),
  })
  .meta({ id: "SbcNodeStatus" });

export const sbcStatusSchema = z
  .object({
    adapter: z.string(),
    live: z
      .object({ configured: z.boolean(), reachable: z.boolean(), error: z.string().nullable() })
      .describe(
        "reachable: at least one SBC node answered; error: why the others did not (null when all did).",
      ),
    trunk: z
      .object({
        fqdn: z.string(),
        mode: z.enum(["registration", "static-ip"]),
        appliedAt: z.string(),
        pendingActivation: z.boolean(),
      })
      .nullable(),
    microsoftProxies: z.array(destination),
    pbx: z.array(destination),
    devices: z.array(
      z.object({
        deviceId: z.string(),
        sipUser: z.string(),
        authId: z.string(),
        registrar: z.string(),
        ...registration,
      }),
    ),
    nodes: z
      .array(nodeStatus)
      .describe(
        "Each SBC node's own view. The top-level states merge them: the liveliest state any answering node reports.",
      ),
  })
  .meta({ id: "SbcStatus" });

/** Trunk and device status as the SBC sees it (Kamailio: read over JSON-RPC). */
export function sbcRoutes(deps: Pick<SbcDeps, "sbc" | "jobs">): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/sbc/status",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["sbc"],
          operationId: "getSbcStatus",
          params,
          response: { 200: sbcStatusSchema },
        },
      },
      async (request) => {
        const enterprise = targetAccountOf(request);
        assertEnterprise(enterprise);
        const adapter = await deps.sbc.get();
        return adapter.status(enterprise.id);
      },
    );

    app.post(
      "/api/accounts/:accountId/sbc/sync",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["sbc"],
          operationId: "syncSbc",
          params,
          response: { 202: z.object({ queued: z.boolean() }) },
        },
      },
      async (request, reply) => {
        const enterprise = targetAccountOf(request);
        assertEnterprise(enterprise);
        const jobId = await enqueueSbcSync(deps.jobs, enterprise.id);
        return reply.code(202).send({ queued: jobId !== null });
      },
    );
  };
}
