import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { pageQuery, pageSchema } from "../../http/pagination.js";
import { problemSchema } from "../../http/problem.js";
import { cursor, text, uuid } from "../../http/schema-primitives.js";
import { accountRepository } from "./repository.js";
import { tenantScope } from "./scope.js";
import { decodeSwitchableCursor, partnerCursor, tenancyService } from "./service.js";

const kind = z.enum(["operator", "partner", "enterprise"]);
const params = z.object({ accountId: uuid() });
const switchable = z
  .object({
    items: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        kind,
        status: z.enum(["active", "suspended"]),
        parentId: z.uuid().nullable(),
        childCount: z.number().int(),
        ancestors: z.array(z.object({ id: z.string(), name: z.string() })),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "SwitchableAccounts" });

/**
 * The account tree: the multitenant menu and the partners below an account. Creating a partner (with its
 * first Admin) and account security settings are identity's routes (`identity/account-routes.ts`).
 */
export function tenancyRoutes(deps: { db: Database }): FastifyPluginAsyncZod {
  const tenancy = tenancyService({ accounts: accountRepository(deps.db) });
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/switchable",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["accounts"],
          operationId: "listSwitchableAccounts",
          description:
            "Accounts below `accountId` the caller can switch into: one tree level (`parentId`, default the account itself) " +
            "or a name search across the subtree. Keyset pagination with `cursor`.",
          params,
          querystring: z.object({
            parentId: uuid().optional(),
            search: text(200).optional(),
            cursor: cursor(decodeSwitchableCursor).optional(),
            limit: z.coerce.number().int().min(1).max(200).optional(),
          }),
          response: { 200: switchable, 404: problemSchema },
        },
      },
      async (request) => tenancy.listSwitchableAccounts(tenantScope(targetAccountOf(request)), request.query),
    );

    app.get(
      "/api/accounts/:accountId/partners",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["accounts"],
          operationId: "listPartners",
          description:
            "The partners directly below the account, by name; cursor paging (docs/api.md, Pagination).",
          params,
          querystring: pageQuery(partnerCursor),
          response: {
            200: pageSchema(
              z.object({
                id: z.uuid(),
                name: z.string(),
                status: z.enum(["active", "suspended"]),
                createdAt: z.string(),
              }),
            ),
            400: problemSchema,
          },
        },
      },
      async (request) => {
        const page = await tenancy.listPartners(tenantScope(targetAccountOf(request)), request.query);
        return {
          items: page.items.map((p) => ({
            id: p.id,
            name: p.name,
            status: p.status,
            createdAt: p.createdAt.toISOString(),
          })),
          nextCursor: page.nextCursor,
        };
      },
    );
  };
}
