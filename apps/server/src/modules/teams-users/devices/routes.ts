import { z } from "zod";
import { auditContext, deviceParams, enterpriseOf, params } from "../request-context.js";
import type { RouteApp, RouteContext } from "../route-context.js";
import { generateDevicePassword, revealDevicePassword } from "./service.js";

/** SIP device passwords: a generated one for the form, and the audited reveal of a stored one. */
export function registerDeviceRoutes(app: RouteApp, { services }: RouteContext) {
  app.get(
    "/api/accounts/:accountId/teams-users/generate-password",
    {
      config: { access: { kind: "account", permission: "write" } },
      schema: {
        tags: ["teams-users"],
        operationId: "generateDevicePassword",
        params,
        response: { 200: z.object({ password: z.string() }) },
      },
    },
    async () => ({ password: generateDevicePassword() }),
  );

  app.post(
    "/api/accounts/:accountId/teams-users/:userId/devices/:deviceId/reveal",
    {
      config: { access: { kind: "account", permission: "write" } },
      schema: {
        tags: ["teams-users"],
        operationId: "revealDevicePassword",
        params: deviceParams,
        response: { 200: z.object({ password: z.string() }) },
      },
    },
    async (request) =>
      revealDevicePassword(
        services,
        auditContext(request),
        enterpriseOf(request),
        request.params.userId,
        request.params.deviceId,
      ),
  );
}
