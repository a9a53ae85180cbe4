import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Executor } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { assertOperatorAdmin } from "./policies.js";
import { createRegion, listRegions, updateRegion } from "./service.js";

const accountParams = z.object({ accountId: uuid() });

export const regionView = z
  .object({ id: z.uuid(), name: z.string(), sbcFqdns: z.array(z.string()), sipPort: z.number().int() })
  .meta({ id: "SbcRegion" });

const regionInput = z.object({
  name: text(60).trim().min(1, "Enter the region's name."),
  sbcFqdns: z.array(text(253).trim().toLowerCase()).max(10),
  sipPort: z.number().int(),
});

/** The operator's SBC regions: listed for everyone who picks regions, changed by the operator's Admins. */
export function sbcRegionRoutes(deps: { db: Executor }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/sbc-regions",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["operator"],
          operationId: "listSbcRegions",
          params: accountParams,
          response: { 200: z.object({ items: z.array(regionView) }) },
        },
      },
      async () => {
        const rows = await listRegions(deps.db);
        return { items: rows.map(({ id, name, sbcFqdns, sipPort }) => ({ id, name, sbcFqdns, sipPort })) };
      },
    );

    app.post(
      "/api/accounts/:accountId/sbc-regions",
      {
        config: { access: { kind: "account", permission: "administer" } },
        schema: {
          tags: ["operator"],
          operationId: "createSbcRegion",
          params: accountParams,
          body: regionInput,
          response: { 201: regionView },
        },
      },
      async (request, reply) => {
        assertOperatorAdmin(request.actor!, targetAccountOf(request));
        const row = await createRegion(
          deps.db,
          requestAuditContext(request),
          targetAccountOf(request).id,
          request.body,
        );
        return reply
          .code(201)
          .send({ id: row.id, name: row.name, sbcFqdns: row.sbcFqdns, sipPort: row.sipPort });
      },
    );

    app.put(
      "/api/accounts/:accountId/sbc-regions/:regionId",
      {
        config: { access: { kind: "account", permission: "administer" } },
        schema: {
          tags: ["operator"],
          operationId: "updateSbcRegion",
          params: z.object({ accountId: uuid(), regionId: uuid() }),
          body: regionInput,
          response: { 200: regionView },
        },
      },
      async (request) => {
        assertOperatorAdmin(request.actor!, targetAccountOf(request));
        const row = await updateRegion(
          deps.db,
          requestAuditContext(request),
          targetAccountOf(request).id,
          request.params.regionId,
          request.body,
        );
        return { id: row.id, name: row.name, sbcFqdns: row.sbcFqdns, sipPort: row.sipPort };
      },
    );
  };
}
