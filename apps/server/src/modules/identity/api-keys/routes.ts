import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../../db/client.js";
import { targetAccountOf } from "../../../http/access.js";
import { pageQuery, pageSchema } from "../../../http/pagination.js";
import { problemSchema } from "../../../http/problem.js";
import { isoDateTime, text, uuid } from "../../../http/schema-primitives.js";
import { requestAuditContext } from "../../audit/index.js";
import { apiKeyRepository } from "./repository.js";
import { apiKeyCursor, apiKeyService, apiKeyView } from "./service.js";

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(["Admin", "User", "Read-only"]),
    /** The start of the key (`s2t_live_<id>`), enough to recognise it, never to use it. */
    prefix: z.string(),
    allowedIpRanges: z.array(z.string()),
    createdAt: z.date(),
    expiresAt: z.date().nullable(),
    lastUsedAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
    status: z.enum(["active", "expired", "revoked"]),
  })
  .meta({ id: "ApiKey" });

const params = z.object({ accountId: uuid() });
const keyParams = z.object({ accountId: uuid(), keyId: uuid() });
// Admins only, and never through a key: a key cannot mint or revoke keys.
const admins = {
  config: {
    access: { kind: "account" as const, permission: "manage-users" as const, apiKeys: false as const },
  },
};

/** Settings › API keys (identity/api-keys/README section in identity's README). */
export function apiKeyRoutes(deps: { db: Database }): FastifyPluginAsyncZod {
  const service = apiKeyService({ db: deps.db, keys: apiKeyRepository(deps.db) });
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/api-keys",
      {
        ...admins,
        schema: {
          tags: ["api-keys"],
          operationId: "listApiKeys",
          description: "The account's keys, oldest first; cursor paging (docs/api.md, Pagination).",
          params,
          querystring: pageQuery(apiKeyCursor),
          response: { 200: pageSchema(apiKeySchema), 400: problemSchema },
        },
      },
      async (request) => {
        const now = new Date();
        const page = await service.list(targetAccountOf(request), request.query);
        return { items: page.items.map((key) => apiKeyView(key, now)), nextCursor: page.nextCursor };
      },
    );

    app.post(
      "/api/accounts/:accountId/api-keys",
      {
        ...admins,
        schema: {
          tags: ["api-keys"],
          operationId: "createApiKey",
          description:
            "Creates an API key acting as a portal user of `role` in this account and below. The answer's `key` is shown this once; only its hash is kept.",
          params,
          body: z.object({
            name: text(100).trim().min(1, "Enter a name."),
            role: z.enum(["Admin", "User", "Read-only"], {
              error: "Choose a role: Admin, User or Read-only.",
            }),
            expiresAt: isoDateTime().nullish(),
            allowedIpRanges: z.array(text(64).trim()).max(50, "At most 50 IP ranges.").optional(),
          }),
          response: {
            201: z.object({ key: z.string(), apiKey: apiKeySchema }),
            400: problemSchema,
          },
        },
      },
      async (request, reply) => {
        const { expiresAt, ...rest } = request.body;
        const created = await service.create(
          targetAccountOf(request),
          { ...rest, expiresAt: expiresAt ? new Date(expiresAt) : null },
          requestAuditContext(request),
        );
        return reply.code(201).send({ key: created.key, apiKey: apiKeyView(created.apiKey) });
      },
    );

    app.post(
      "/api/accounts/:accountId/api-keys/:keyId/revoke",
      {
        ...admins,
        schema: {
          tags: ["api-keys"],
          operationId: "revokeApiKey",
          description: "Revokes the key: the next request made with it is refused (401).",
          params: keyParams,
          response: { 200: apiKeySchema, 404: problemSchema },
        },
      },
      async (request) =>
        apiKeyView(
          await service.revoke(targetAccountOf(request), request.params.keyId, requestAuditContext(request)),
        ),
    );
  };
}
