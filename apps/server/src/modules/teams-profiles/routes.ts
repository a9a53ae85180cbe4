import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import { startSetupIfReady } from "../direct-routing-setup/jobs.js";
import { assertEnterprise, assertManagedFromAbove } from "../enterprises/policies.js";
import { auditOf } from "../enterprises/routes.js";
import { findEnterprise } from "../enterprises/service.js";
import { findTeamsProfile, saveTeamsProfile, teamsProfileView } from "./service.js";

const params = z.object({ accountId: z.string() });

const rule = z.object({
  name: z.string().trim(),
  pattern: z.string(),
  translation: z.string().trim(),
  description: z.string().max(512).optional(),
  isInternalExtension: z.boolean(),
});

const teamsInput = z.object({
  pbxLocations: z
    .array(z.object({ name: z.string().trim().max(100), pbx: z.string().trim().max(200) }))
    .max(20),
  regionIds: z.array(z.string()).max(20),
  defaultRegionId: z.string(),
  pstnUsage: z.string().trim(),
  dialPlanName: z.string().trim(),
  normalizationRules: z.array(rule).max(60),
});

export const teamsProfileSchema = teamsInput
  .extend({
    id: z.uuid(),
    enterpriseId: z.uuid(),
    normalizationRules: z.array(rule.extend({ description: z.string().optional() })),
  })
  .meta({ id: "TeamsProfile" });

export function teamsProfileRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/teams-profile",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["teams"],
          operationId: "getTeamsProfile",
          params,
          response: { 200: z.object({ profile: teamsProfileSchema.nullable() }) },
        },
      },
      async (request) => {
        assertEnterprise(request.targetAccount!);
        const profile = await findTeamsProfile(deps.db, request.targetAccount!.id);
        return { profile: profile ? teamsProfileView(profile) : null };
      },
    );

    app.put(
      "/api/accounts/:accountId/teams-profile",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["teams"],
          operationId: "saveTeamsProfile",
          params,
          body: teamsInput,
          response: { 200: teamsProfileSchema },
        },
      },
      async (request) => {
        const target = request.targetAccount!;
        assertEnterprise(target);
        assertManagedFromAbove(request.actor!, target);
        const enterprise = await findEnterprise(deps.db, target);
        const saved = await saveTeamsProfile(
          deps.db,
          auditOf(request),
          target,
          enterprise.regionIds,
          request.body,
        );
        await startSetupIfReady(deps, target.id, { recheck: true });
        return teamsProfileView(saved);
      },
    );
  };
}
