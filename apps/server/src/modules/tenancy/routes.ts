import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import { problemSchema } from "../../http/problem.js";
import { cursor, text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/service.js";
import { identityService, publicUser } from "../identity/service.js";
import { portalUserView } from "../identity/user-routes.js";
import {
  decodeSwitchableCursor,
  listPartners,
  listSwitchableAccounts,
  updateSecuritySettings,
} from "./service.js";

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
const security = z.object({ requireTwoFactor: z.boolean() }).meta({ id: "AccountSecurity" });

/** The account tree: the multitenant menu, partners, and account security settings. */
export function tenancyRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const identity = identityService(deps);
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
      async (request) => listSwitchableAccounts(deps.db, request.targetAccount!, request.query),
    );

    app.get(
      "/api/accounts/:accountId/partners",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["accounts"],
          operationId: "listPartners",
          params,
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.uuid(),
                  name: z.string(),
                  status: z.enum(["active", "suspended"]),
                  createdAt: z.string(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({
        items: (await listPartners(deps.db, request.targetAccount!)).map((p) => ({
          id: p.id,
          name: p.name,
          status: p.status,
          createdAt: p.createdAt.toISOString(),
        })),
      }),
    );

    app.post(
      "/api/accounts/:accountId/partners",
      {
        // The partner comes with its first Admin: creating it needs what inviting an Admin needs.
        config: { access: { kind: "account", permission: "manage-users" } },
        schema: {
          tags: ["accounts"],
          operationId: "createPartner",
          description:
            "Creates a partner (or sub-partner) below the account, with its first Admin, who gets the activation email. " +
            "Needs `manage-users` (Admins), as inviting an Admin does.",
          params,
          body: z.object({
            name: text(200).trim().min(1, "Enter the partner's company name."),
            adminName: text(200).trim().min(1, "Enter the name of the partner's administrator."),
            adminEmail: z.email("Enter a valid email address.").max(320),
          }),
          response: {
            201: z.object({ id: z.uuid(), name: z.string(), kind, admin: portalUserView }),
            400: problemSchema,
            403: problemSchema,
            409: problemSchema,
          },
        },
      },
      async (request, reply) => {
        const { account, admin } = await identity.createPartner(
          request.targetAccount!,
          request.body,
          requestAuditContext(request),
        );
        return reply
          .code(201)
          .send({ id: account.id, name: account.name, kind: account.kind, admin: publicUser(admin) });
      },
    );

    app.get(
      "/api/accounts/:accountId/security",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["accounts"],
          operationId: "getAccountSecurity",
          params,
          response: { 200: security },
        },
      },
      async (request) => ({ requireTwoFactor: request.targetAccount!.requireTwoFactor }),
    );

    app.put(
      "/api/accounts/:accountId/security",
      {
        config: { access: { kind: "account", permission: "manage-users" } },
        schema: {
          tags: ["accounts"],
          operationId: "updateAccountSecurity",
          description: "Require two-factor authentication for every user of this account.",
          params,
          body: security,
          response: { 200: security },
        },
      },
      async (request) => {
        const updated = await updateSecuritySettings(
          deps.db,
          request.targetAccount!,
          request.body,
          requestAuditContext(request),
        );
        return { requireTwoFactor: updated.requireTwoFactor };
      },
    );
  };
}
