import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import {
  documentsEntityTag,
  preconditionFailedResponse,
  preconditionHeaders,
  preconditionsOf,
  sendEntityTag,
} from "../../http/etag.js";
import { cursorAndLimitParams, nextCursorField } from "../../http/pagination.js";
import { NO_NUL, text, UNSTORABLE_MESSAGE, uuid } from "../../http/schema-primitives.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { requestAuditContext } from "../audit/index.js";
import type { IdentityDeps } from "../identity/index.js";
import { assertEnterprise, assertManagedFromAbove, assertMayHaveEnterprises } from "./policies.js";
import {
  createEnterprise,
  decodeEnterpriseCursor,
  type EnterpriseProgressReader,
  enterpriseEtag,
  enterpriseView,
  findEnterprise,
  listEnterprises,
  requestEnterpriseDeletion,
  setEnterpriseStatus,
  updateEnterprise,
} from "./service.js";

const params = z.object({ accountId: uuid() });
const services = z.array(z.enum(["teams-direct-routing"])).min(1, "Choose at least one service.");

export const enterpriseViewSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(["active", "suspended", "deleting"]),
    parentId: z.string().nullable(),
    adminName: z.string(),
    adminEmail: z.string(),
    regionIds: z.array(z.string()),
    services: z.array(z.enum(["teams-direct-routing"])),
    userLimit: z.number().int(),
    billingReference: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "Enterprise" });

const listItem = enterpriseViewSchema
  .extend({
    trunkFqdn: z.string().nullable(),
    microsoftConnection: z.enum(["connected", "disconnected", "not-connected"]),
    tenantDomain: z.string().nullable(),
    setupStatus: z.enum(["queued", "running", "waiting", "completed", "failed"]).nullable(),
  })
  .meta({ id: "EnterpriseListItem" });

const companyName = text(120).trim().min(1, "Enter the company name.");
const userLimit = z
  .number()
  .int("Whole number.")
  .min(1, "At least 1 user.")
  .max(100000, "At most 100000 users.");
const billingReference = z
  .string()
  .trim()
  .max(100)
  .regex(NO_NUL, UNSTORABLE_MESSAGE)
  .nullable()
  .transform((v) => (v === "" ? null : v));

const createBody = z.object({
  companyName,
  adminName: text(120).trim().min(1, "Enter the customer admin's name."),
  adminEmail: z.email("Enter a valid email address."),
  regionIds: z.array(uuid("Not a region id.")).max(20),
  services,
  userLimit,
  billingReference,
});
const updateBody = z.object({
  companyName,
  regionIds: z.array(uuid("Not a region id.")).max(20),
  services,
  userLimit,
  billingReference,
});

/** What the enterprise routes need; the composition root passes its full object. */
export type EnterprisesDeps = IdentityDeps & {
  db: Database;
  jobs: Pick<JobQueue, "enqueue">;
  enterpriseProgress: EnterpriseProgressReader;
};

export function enterpriseRoutes(deps: EnterprisesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/enterprises",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["enterprises"],
          operationId: "listEnterprises",
          params,
          querystring: z.object({
            search: text(100).optional(),
            sort: z.enum(["name", "createdAt", "status"]).default("name"),
            order: z.enum(["asc", "desc"]).default("asc"),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(100).default(20),
            ...cursorAndLimitParams({ decode: decodeEnterpriseCursor }),
          }),
          response: {
            200: z.object({ items: z.array(listItem), total: z.number().int(), nextCursor: nextCursorField }),
          },
        },
      },
      async (request) => listEnterprises(deps, targetAccountOf(request), request.query),
    );

    app.post(
      "/api/accounts/:accountId/enterprises",
      {
        // The enterprise comes with its first Admin: creating it needs what inviting an Admin needs.
        config: { access: { kind: "account", permission: "manage-users" } },
        schema: {
          tags: ["enterprises"],
          operationId: "createEnterprise",
          params,
          body: createBody,
          response: { 201: enterpriseViewSchema },
        },
      },
      async (request, reply) => {
        assertMayHaveEnterprises(targetAccountOf(request));
        const account = await createEnterprise(
          deps,
          requestAuditContext(request),
          targetAccountOf(request),
          request.body,
        );
        return reply.code(201).send(enterpriseView(account, await findEnterprise(deps.db, account)));
      },
    );

    app.get(
      "/api/accounts/:accountId/enterprise",
      {
        config: { access: { kind: "account", permission: "read" }, ...documentsEntityTag },
        schema: {
          tags: ["enterprises"],
          operationId: "getEnterprise",
          params,
          response: { 200: enterpriseViewSchema },
        },
      },
      async (request, reply) => {
        const account = targetAccountOf(request);
        assertEnterprise(account);
        const enterprise = await findEnterprise(deps.db, account);
        sendEntityTag(reply, enterpriseEtag(account, enterprise));
        return enterpriseView(account, enterprise);
      },
    );

    app.put(
      "/api/accounts/:accountId/enterprise",
      {
        config: { access: { kind: "account", permission: "write" }, ...documentsEntityTag },
        schema: {
          tags: ["enterprises"],
          operationId: "updateEnterprise",
          description:
            "Send the ETag of your GET as If-Match (recommended): a change made since is not overwritten (412).",
          params,
          headers: preconditionHeaders,
          body: updateBody,
          response: { 200: enterpriseViewSchema, ...preconditionFailedResponse },
        },
      },
      async (request, reply) => {
        const target = targetAccountOf(request);
        assertEnterprise(target);
        assertManagedFromAbove(request.actor!, target);
        const saved = await updateEnterprise(
          deps.db,
          requestAuditContext(request),
          target,
          request.body,
          preconditionsOf(request),
        );
        sendEntityTag(reply, enterpriseEtag(saved.account, saved.enterprise));
        return enterpriseView(saved.account, saved.enterprise);
      },
    );

    for (const [action, status] of [
      ["suspend", "suspended"],
      ["resume", "active"],
    ] as const) {
      app.post(
        `/api/accounts/:accountId/enterprise/${action}`,
        {
          config: { access: { kind: "account", permission: "write" } },
          schema: {
            tags: ["enterprises"],
            operationId: `${action}Enterprise`,
            params,
            response: { 204: z.undefined() },
          },
        },
        async (request, reply) => {
          assertEnterprise(targetAccountOf(request));
          assertManagedFromAbove(request.actor!, targetAccountOf(request));
          await setEnterpriseStatus(deps.db, requestAuditContext(request), targetAccountOf(request), status);
          return reply.code(204).send();
        },
      );
    }

    app.delete(
      "/api/accounts/:accountId/enterprise",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["enterprises"],
          operationId: "deleteEnterprise",
          params,
          response: { 202: z.object({ status: z.literal("deleting") }) },
        },
      },
      async (request, reply) => {
        assertEnterprise(targetAccountOf(request));
        assertManagedFromAbove(request.actor!, targetAccountOf(request));
        await requestEnterpriseDeletion(deps, requestAuditContext(request), targetAccountOf(request));
        return reply.code(202).send({ status: "deleting" as const });
      },
    );
  };
}
