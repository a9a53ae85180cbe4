import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { targetAccountOf } from "../../http/access.js";
import { pageQuery, pageSchema } from "../../http/pagination.js";
import { problemSchema } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { accountRoutes } from "./account-routes.js";
import { apiKeyRoutes } from "./api-keys/routes.js";
import type { IdentityDeps } from "./service.js";
import { identityService, portalUserCursor, publicUser } from "./service.js";
import { endedSessionsView } from "./session-routes.js";
import { portalUserView } from "./views.js";

export { portalUserView };

const role = z.enum(["Admin", "User", "Read-only"], { error: "Choose a role: Admin, User or Read-only." });
const params = z.object({ accountId: uuid() });
const userParams = z.object({ accountId: uuid(), userId: uuid() });
const manage = { config: { access: { kind: "account" as const, permission: "manage-users" as const } } };
const problems = { 400: problemSchema, 404: problemSchema, 409: problemSchema };

/** Settings › User Management: the users of the acting account (Admins only). */
export function userRoutes(deps: IdentityDeps): FastifyPluginAsyncZod {
  const identity = identityService(deps);
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/users",
      {
        ...manage,
        schema: {
          tags: ["users"],
          operationId: "listUsers",
          description: "The account's portal users by name; cursor paging (docs/api.md, Pagination).",
          params,
          querystring: pageQuery(portalUserCursor),
          response: { 200: pageSchema(portalUserView), 400: problemSchema },
        },
      },
      async (request) => {
        const page = await identity.listUsers(targetAccountOf(request), request.query);
        return { items: page.items.map(publicUser), nextCursor: page.nextCursor };
      },
    );

    app.post(
      "/api/accounts/:accountId/users",
      {
        ...manage,
        schema: {
          tags: ["users"],
          operationId: "inviteUser",
          description: "Add User: creates an invited user and sends the activation email.",
          params,
          body: z.object({
            name: text(200).trim().min(1, "Enter a name."),
            email: z.email("Enter a valid email address.").max(320),
            role,
          }),
          response: { 201: portalUserView, ...problems },
        },
      },
      async (request, reply) => {
        const user = await deps.db.transaction((tx) =>
          identity.inviteUser(
            tx,
            { accountId: targetAccountOf(request).id, ...request.body },
            requestAuditContext(request),
          ),
        );
        return reply.code(201).send(publicUser(user));
      },
    );

    app.patch(
      "/api/accounts/:accountId/users/:userId",
      {
        ...manage,
        schema: {
          tags: ["users"],
          operationId: "updateUser",
          description: "Change name or role, disable or enable. An account keeps at least one active Admin.",
          params: userParams,
          body: z.object({
            name: text(200).optional(),
            role: role.optional(),
            status: z.enum(["active", "disabled"]).optional(),
          }),
          response: { 200: portalUserView, ...problems },
        },
      },
      async (request) =>
        publicUser(
          await identity.updateUser(
            targetAccountOf(request),
            request.params.userId,
            request.body,
            requestAuditContext(request),
          ),
        ),
    );

    app.delete(
      "/api/accounts/:accountId/users/:userId",
      {
        ...manage,
        schema: {
          tags: ["users"],
          operationId: "deleteUser",
          params: userParams,
          response: { 204: z.undefined(), ...problems },
        },
      },
      async (request, reply) => {
        await identity.deleteUser(
          targetAccountOf(request),
          request.params.userId,
          requestAuditContext(request),
        );
        return reply.code(204).send();
      },
    );

    app.post(
      "/api/accounts/:accountId/users/:userId/resend-invitation",
      {
        ...manage,
        schema: {
          tags: ["users"],
          operationId: "resendInvitation",
          description: "A new activation link and temporary password; the previous ones stop working.",
          params: userParams,
          response: { 200: portalUserView, ...problems },
        },
      },
      async (request) =>
        publicUser(
          await identity.resendInvitation(
            targetAccountOf(request),
            request.params.userId,
            requestAuditContext(request),
          ),
        ),
    );

    app.post(
      "/api/accounts/:accountId/users/:userId/sessions/end-all",
      {
        ...manage,
        schema: {
          tags: ["users"],
          operationId: "endUserSessions",
          description: "Signs the user out on every device; they can sign in again.",
          params: userParams,
          response: { 200: endedSessionsView, ...problems },
        },
      },
      async (request) => ({
        endedSessions: await identity.endAllSessions(
          targetAccountOf(request),
          request.params.userId,
          requestAuditContext(request),
        ),
      }),
    );

    // Partners with their first Admin and account security settings: users' matters of an account.
    await app.register(accountRoutes(deps));
    await app.register(apiKeyRoutes(deps));
  };
}
