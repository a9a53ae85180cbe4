import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import {
  createOrUpdatePreconditionHeaders,
  documentsEntityTag,
  preconditionFailedResponse,
  preconditionsOf,
  sendEntityTag,
} from "../../http/etag.js";
import { cursorAndLimitParams, nextCursorField } from "../../http/pagination.js";
import { Problem } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { assertEnterprise, assertManagedFromAbove } from "../enterprises/index.js";
import { effectiveOperatorSettings } from "../operator-settings/index.js";
import { TRANSFER_MODES } from "./schema.js";
import {
  CODECS,
  listTrunkProfiles,
  type SetupStarted,
  saveTrunkProfile,
  trunkEtag,
  trunkProfileCursor,
  trunkProfileOf,
  trunkView,
} from "./service.js";

/**
 * What the trunk routes need. The Direct Routing setup sits above this module: it is reached only through
 * these two functions, which the composition root passes in.
 */
export interface TrunksDeps {
  db: Database;
  config: Config;
  secrets: SecretBox;
  setupStarted: SetupStarted;
  /** Starts the enterprise's Direct Routing setup when everything it needs exists. */
  startSetupIfReady(enterpriseAccountId: string, options?: { recheck?: boolean }): Promise<unknown>;
}

const params = z.object({ accountId: uuid() });

export const trunkViewSchema = z
  .object({
    id: z.uuid(),
    enterpriseId: z.uuid(),
    label: z.string(),
    fqdn: z.string(),
    pbxHost: z.string(),
    pbxPort: z.number().int(),
    transport: z.enum(["UDP", "TCP", "TLS"]),
    sipDomain: z.string(),
    pbxRealm: z
      .string()
      .nullable()
      .describe("The realm of the PBX's digest challenges; null: the SIP domain."),
    outboundProxy: z.string().nullable(),
    mode: z.enum(["registration", "static-ip"]),
    allowedIps: z.array(z.string()),
    maxConcurrentCalls: z.number().int(),
    codecs: z.array(z.string()),
    transferMode: z
      .enum(TRANSFER_MODES)
      .describe(
        "teams: REFER is removed from Allow toward Microsoft, so Teams performs the transfer; route: the PBX's transfer INVITE is routed back to Microsoft.",
      ),
    status: z.enum(["pending", "active", "disabled"]),
  })
  .meta({ id: "TrunkProfile" });

const trunkInput = z.object({
  label: text(200).trim().toLowerCase(),
  pbxHost: text(253).trim().toLowerCase().min(1, "Enter the PBX or registrar host."),
  pbxPort: z.number().int("Whole number."),
  transport: z.enum(["UDP", "TCP", "TLS"]),
  sipDomain: text(253).trim().toLowerCase().min(1, "Enter the SIP domain."),
  // Optional: empty or absent means the SIP domain. Not lowercased: a realm is case-sensitive.
  pbxRealm: z
    .string()
    .trim()
    .nullish()
    .transform((v) => (v ? v : null)),
  outboundProxy: z
    .string()
    .trim()
    .toLowerCase()
    .nullable()
    .transform((v) => (v === "" ? null : v)),
  mode: z.enum(["registration", "static-ip"]),
  allowedIps: z.array(text(64).trim()).max(50),
  maxConcurrentCalls: z.number().int("Whole number."),
  codecs: z.array(text(32)).max(CODECS.length),
  transferMode: z
    .enum(TRANSFER_MODES, {
      error: "Choose teams (Teams performs the transfer) or route (back to Microsoft).",
    })
    .default("teams"),
});

export function trunkRoutes(deps: TrunksDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/trunk-profiles",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["trunks"],
          operationId: "listTrunkProfiles",
          params,
          querystring: z.object({
            search: text(100).optional(),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(100).default(20),
            ...cursorAndLimitParams(trunkProfileCursor),
          }),
          response: {
            200: z.object({
              items: z.array(trunkViewSchema.extend({ enterpriseName: z.string() })),
              total: z.number().int(),
              nextCursor: nextCursorField,
            }),
          },
        },
      },
      async (request) => listTrunkProfiles(deps.db, targetAccountOf(request), request.query),
    );

    app.get(
      "/api/accounts/:accountId/trunk-profile",
      {
        config: { access: { kind: "account", permission: "read" }, ...documentsEntityTag },
        schema: {
          tags: ["trunks"],
          operationId: "getTrunkProfile",
          description: "ETag: the profile's version (absent while there is no profile).",
          params,
          response: {
            200: z.object({ profile: trunkViewSchema.nullable(), baseDomain: z.string().nullable() }),
          },
        },
      },
      async (request, reply) => {
        assertEnterprise(targetAccountOf(request));
        const profile = await trunkProfileOf(deps.db, targetAccountOf(request));
        const { sbcBaseDomain } = await effectiveOperatorSettings(deps);
        sendEntityTag(reply, profile ? trunkEtag(profile) : null);
        return { profile: profile ? trunkView(profile) : null, baseDomain: sbcBaseDomain };
      },
    );

    app.put(
      "/api/accounts/:accountId/trunk-profile",
      {
        config: { access: { kind: "account", permission: "write" }, ...documentsEntityTag },
        schema: {
          tags: ["trunks"],
          operationId: "saveTrunkProfile",
          description:
            "Send the ETag of your GET as If-Match (recommended), or If-None-Match: * when there was no profile: a change made since is not overwritten (412).",
          params,
          headers: createOrUpdatePreconditionHeaders,
          body: trunkInput,
          response: { 200: trunkViewSchema, ...preconditionFailedResponse },
        },
      },
      async (request, reply) => {
        const target = targetAccountOf(request);
        assertEnterprise(target);
        assertManagedFromAbove(request.actor!, target);
        const { sbcBaseDomain } = await effectiveOperatorSettings(deps);
        if (!sbcBaseDomain)
          throw Problem.conflict("The operator has not set the SBC base domain yet (Operator settings).");
        const saved = await saveTrunkProfile(
          deps,
          requestAuditContext(request),
          target,
          request.body,
          sbcBaseDomain,
          preconditionsOf(request),
        );
        await deps.startSetupIfReady(target.id);
        sendEntityTag(reply, trunkEtag(saved));
        return trunkView(saved);
      },
    );
  };
}
