import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Executor } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { pageQuery, pageSchema } from "../../http/pagination.js";
import { problemSchema } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { assertOperatorAdmin } from "./policies.js";
import { createRegion, pageRegions, regionCursor, updateRegion } from "./service.js";

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
          description: "The operator's SBC regions by name; cursor paging (docs/api.md, Pagination).",
          params: accountParams,
          querystring: pageQuery(regionCursor),
          response: { 200: pageSchema(regionView), 400: problemSchema },
        },
      },
      async (request) => {
        const page = await pageRegions(deps.db, request.query);
        return {
          items: page.items.map(({ id, name, sbcFqdns, sipPort }) => ({ id, name, sbcFqdns, sipPort })),
          nextCursor: page.nextCursor,
        };
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
