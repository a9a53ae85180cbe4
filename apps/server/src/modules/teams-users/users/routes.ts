import { z } from "zod";
import {
  documentsEntityTag,
  preconditionFailedResponse,
  preconditionHeaders,
  preconditionsOf,
  sendEntityTag,
} from "../../../http/etag.js";
import { text } from "../../../http/schema-primitives.js";
import { availableForEnterprise } from "../../numbers/index.js";
import { suggestPhoneNumber } from "../../pbx-directory/index.js";
import { tenantScope } from "../../tenancy/index.js";
import { auditContext, enterpriseOf, params, userParams } from "../request-context.js";
import type { RouteApp, RouteContext } from "../route-context.js";
import { formOptions } from "./form-options.js";
import { addUser, deleteUser, getUser, updateUser, userEtag } from "./service.js";
import { userDetail, userInput, withWaits } from "./views.js";

/** Add User (its choices and pre-fills), a user's detail, Edit and Remove. */
export function registerUserRoutes(app: RouteApp, { deps, services }: RouteContext) {
  app.get(
    "/api/accounts/:accountId/teams-users/form-options",
    {
      config: { access: { kind: "account", permission: "read" } },
      schema: {
        tags: ["teams-users"],
        operationId: "getAddUserOptions",
        params,
        response: {
          200: z.object({
            pbxLocations: z.array(z.string()),
            pbxLocationOptions: z.array(z.object({ value: z.string(), label: z.string() })),
            voiceRoutes: z.array(z.object({ id: z.string(), name: z.string() })),
            defaultVoiceRouteId: z.string().nullable(),
            dialPlanName: z.string().nullable(),
            connected: z.boolean(),
          }),
        },
      },
    },
    async (request) => formOptions(deps.db, enterpriseOf(request)),
  );

  app.get(
    "/api/accounts/:accountId/teams-users/available-numbers",
    {
      config: { access: { kind: "account", permission: "read" } },
      schema: {
        tags: ["teams-users"],
        operationId: "availableNumbers",
        params,
        querystring: z.object({ prefix: text(20).default("") }),
        response: { 200: z.array(z.string()) },
      },
    },
    async (request) =>
      availableForEnterprise(deps.db, tenantScope(enterpriseOf(request)), request.query.prefix),
  );

  // Add User's Phone Number pre-fill (guide 002 4.5): the PBX user's default caller ID, else the next free number.
  app.get(
    "/api/accounts/:accountId/teams-users/phone-number-suggestion",
    {
      config: { access: { kind: "account", permission: "read" } },
      schema: {
        tags: ["teams-users"],
        operationId: "suggestPhoneNumber",
        params,
        querystring: z.object({ sipUser: text(32).default("") }),
        response: {
          200: z.object({
            phoneNumber: z.string().nullable(),
            source: z.enum(["pbx-directory", "next-free"]).nullable(),
            pbxUserName: z.string().nullable(),
          }),
        },
      },
    },
    async (request) =>
      suggestPhoneNumber(deps.db, tenantScope(enterpriseOf(request)), request.query.sipUser.trim()),
  );

  app.post(
    "/api/accounts/:accountId/teams-users",
    {
      config: { access: { kind: "account", permission: "write" } },
      schema: {
        tags: ["teams-users"],
        operationId: "addTeamsUser",
        params,
        body: userInput,
        response: { 201: userDetail },
      },
    },
    async (request, reply) => {
      const enterprise = enterpriseOf(request);
      const created = await addUser(services, auditContext(request), enterprise, request.body);
      return reply.code(201).send(withWaits(await getUser(deps.db, enterprise, created.id)));
    },
  );

  app.get(
    "/api/accounts/:accountId/teams-users/:userId",
    {
      config: { access: { kind: "account", permission: "read" }, ...documentsEntityTag },
      schema: {
        tags: ["teams-users"],
        operationId: "getTeamsUser",
        params: userParams,
        response: { 200: userDetail },
      },
    },
    async (request, reply) => {
      const user = await getUser(deps.db, enterpriseOf(request), request.params.userId);
      sendEntityTag(reply, userEtag(user));
      return withWaits(user);
    },
  );

  app.put(
    "/api/accounts/:accountId/teams-users/:userId",
    {
      config: { access: { kind: "account", permission: "write" }, ...documentsEntityTag },
      schema: {
        tags: ["teams-users"],
        operationId: "updateTeamsUser",
        description:
          "Send the ETag of your GET as If-Match (recommended): a change made since is not overwritten (412).",
        params: userParams,
        headers: preconditionHeaders,
        body: userInput
          .omit({ teamsUserObjectId: true, teamsUserPrincipalName: true, phoneNumber: true })
          .extend({ phoneNumber: text(32).optional() }),
        response: { 200: userDetail, ...preconditionFailedResponse },
      },
    },
    async (request, reply) => {
      const enterprise = enterpriseOf(request);
      await updateUser(
        services,
        auditContext(request),
        enterprise,
        request.params.userId,
        request.body,
        preconditionsOf(request),
      );
      const user = await getUser(deps.db, enterprise, request.params.userId);
      sendEntityTag(reply, userEtag(user));
      return withWaits(user);
    },
  );

  app.delete(
    "/api/accounts/:accountId/teams-users/:userId",
    {
      config: { access: { kind: "account", permission: "write" } },
      schema: {
        tags: ["teams-users"],
        operationId: "deleteTeamsUser",
        params: userParams,
        response: { 202: z.object({ deleted: z.boolean() }) },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(
          await deleteUser(services, auditContext(request), enterpriseOf(request), request.params.userId),
        ),
  );
}
