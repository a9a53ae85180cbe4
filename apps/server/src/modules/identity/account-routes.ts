import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { targetAccountOf } from "../../http/access.js";
import { problemSchema } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import type { IdentityDeps } from "./service.js";
import { identityService, publicUser } from "./service.js";
import { portalUserView } from "./views.js";

const params = z.object({ accountId: uuid() });
const kind = z.enum(["operator", "partner", "enterprise"]);
const security = z.object({ requireTwoFactor: z.boolean() }).meta({ id: "AccountSecurity" });

/**
 * What an Admin decides about accounts as a matter of users: a new partner comes with its first Admin, and an
 * account may require two-factor authentication of all its users.
 */
export function accountRoutes(deps: IdentityDeps): FastifyPluginAsyncZod {
  const identity = identityService(deps);
  return async (app) => {
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
          targetAccountOf(request),
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
      async (request) => ({ requireTwoFactor: targetAccountOf(request).requireTwoFactor }),
    );

    app.put(
      "/api/accounts/:accountId/security",
      {
        // Sign-in security (required two-factor) is changed by a signed-in Admin, never by an API key.
        config: { access: { kind: "account", permission: "manage-users", apiKeys: false } },
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
        const updated = await identity.updateSecuritySettings(
          targetAccountOf(request),
          request.body,
          requestAuditContext(request),
        );
        return { requireTwoFactor: updated.requireTwoFactor };
      },
    );
  };
}
