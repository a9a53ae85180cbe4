import { auditContext, enterpriseOf, userParams } from "../request-context.js";
import type { RouteApp, RouteContext } from "../route-context.js";
import { getUser } from "../users/service.js";
import { userDetail, withWaits } from "../users/views.js";
import { checkProvisioningNow, retryProvisioning, setCalling } from "./service.js";

/** Enable Calling, Disable Calling and Retry: each changes the desired state and queues the job. */
export function registerCallingRoutes(app: RouteApp, { deps, services }: RouteContext) {
  for (const [path, operationId, enabled] of [
    ["enable-calling", "enableCalling", true],
    ["disable-calling", "disableCalling", false],
  ] as const) {
    app.post(
      `/api/accounts/:accountId/teams-users/:userId/${path}`,
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: { tags: ["teams-users"], operationId, params: userParams, response: { 202: userDetail } },
      },
      async (request, reply) => {
        const enterprise = enterpriseOf(request);
        await setCalling(services, auditContext(request), enterprise, request.params.userId, enabled);
        return reply.code(202).send(withWaits(await getUser(deps.db, enterprise, request.params.userId)));
      },
    );
  }

  app.post(
    "/api/accounts/:accountId/teams-users/:userId/retry",
    {
      config: { access: { kind: "account", permission: "write" } },
      schema: {
        tags: ["teams-users"],
        operationId: "retryProvisioning",
        params: userParams,
        response: { 202: userDetail },
      },
    },
    async (request, reply) => {
      const enterprise = enterpriseOf(request);
      await retryProvisioning(services, enterprise, request.params.userId);
      return reply.code(202).send(withWaits(await getUser(deps.db, enterprise, request.params.userId)));
    },
  );

  app.post(
    "/api/accounts/:accountId/teams-users/:userId/check-now",
    {
      config: { access: { kind: "account", permission: "write" } },
      schema: {
        tags: ["teams-users"],
        operationId: "checkProvisioningNow",
        description:
          "Checks at once what the user's provisioning is waiting for at Microsoft (409 when nothing waits).",
        params: userParams,
        response: { 202: userDetail },
      },
    },
    async (request, reply) => {
      const enterprise = enterpriseOf(request);
      await checkProvisioningNow(services, auditContext(request), enterprise, request.params.userId);
      return reply.code(202).send(withWaits(await getUser(deps.db, enterprise, request.params.userId)));
    },
  );
}
