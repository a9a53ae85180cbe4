import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppDeps } from "../../http/app.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { startSetupIfReady } from "../direct-routing-setup/jobs.js";
import { assertEnterprise, assertManagedFromAbove } from "../enterprises/policies.js";
import { auditOf } from "../enterprises/routes.js";
import { findEnterprise } from "../enterprises/service.js";
import { findTeamsProfile, saveTeamsProfile, teamsProfileView } from "./service.js";

const params = z.object({ accountId: uuid() });

const rule = z.object({
  name: text(200).trim(),
  pattern: text(1024),
  translation: text(1024).trim(),
  description: text(512).optional(),
  isInternalExtension: z.boolean(),
});

const teamsInput = z.object({
  pbxLocations: z.array(z.object({ name: text(100).trim(), pbx: text(200).trim() })).max(20),
  regionIds: z.array(uuid("Not a region id.")).max(20),
  defaultRegionId: z.union([uuid("Not a region id."), z.literal("")]),
  pstnUsage: text(200).trim(),
  dialPlanName: text(200).trim(),
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
