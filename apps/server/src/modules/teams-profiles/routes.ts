import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import {
  createOrUpdatePreconditionHeaders,
  documentsEntityTag,
  preconditionFailedResponse,
  preconditionsOf,
  sendEntityTag,
} from "../../http/etag.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { assertEnterprise, assertManagedFromAbove, findEnterprise } from "../enterprises/index.js";
import { saveTeamsProfile, teamsProfileEtag, teamsProfileOf, teamsProfileView } from "./service.js";

/** What the Teams profile routes need; the Direct Routing setup above this module is passed in as a function. */
export interface TeamsProfilesDeps {
  db: Database;
  /** Starts (with `recheck`: refreshes) the enterprise's Direct Routing setup when everything it needs exists. */
  startSetupIfReady(enterpriseAccountId: string, options?: { recheck?: boolean }): Promise<unknown>;
}

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

export function teamsProfileRoutes(deps: TeamsProfilesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/teams-profile",
      {
        config: { access: { kind: "account", permission: "read" }, ...documentsEntityTag },
        schema: {
          tags: ["teams"],
          operationId: "getTeamsProfile",
          description: "ETag: the profile's version (absent while there is no profile).",
          params,
          response: { 200: z.object({ profile: teamsProfileSchema.nullable() }) },
        },
      },
      async (request, reply) => {
        assertEnterprise(targetAccountOf(request));
        const profile = await teamsProfileOf(deps.db, targetAccountOf(request));
        sendEntityTag(reply, profile ? teamsProfileEtag(profile) : null);
        return { profile: profile ? teamsProfileView(profile) : null };
      },
    );

    app.put(
      "/api/accounts/:accountId/teams-profile",
      {
        config: { access: { kind: "account", permission: "write" }, ...documentsEntityTag },
        schema: {
          tags: ["teams"],
          operationId: "saveTeamsProfile",
          description:
            "Send the ETag of your GET as If-Match (recommended), or If-None-Match: * when there was no profile: a change made since is not overwritten (412).",
          params,
          headers: createOrUpdatePreconditionHeaders,
          body: teamsInput,
          response: { 200: teamsProfileSchema, ...preconditionFailedResponse },
        },
      },
      async (request, reply) => {
        const target = targetAccountOf(request);
        assertEnterprise(target);
        assertManagedFromAbove(request.actor!, target);
        const enterprise = await findEnterprise(deps.db, target);
        const saved = await saveTeamsProfile(
          deps.db,
          requestAuditContext(request),
          target,
          enterprise.regionIds,
          request.body,
          preconditionsOf(request),
        );
        await deps.startSetupIfReady(target.id, { recheck: true });
        sendEntityTag(reply, teamsProfileEtag(saved));
        return teamsProfileView(saved);
      },
    );
  };
}
