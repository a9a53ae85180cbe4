import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { Problem } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { assertEnterprise, assertManagedFromAbove } from "../enterprises/index.js";
import type { Mailer } from "../mail/index.js";
import { effectiveOperatorSettings } from "../operator-settings/index.js";
import { CONSENT_ERROR_MESSAGES, ConsentFailure, handleCallback, startConsent } from "./consent-flow.js";
import { consentFlowView, retryConsent } from "./consent-result.js";
import type { MicrosoftDeps } from "./runtime.js";
import {
  connectFromAuthorizationRequest,
  disconnect,
  findConnection,
  requestTenantReplacement,
  sendAuthorizationRequest,
} from "./service.js";

/** A consent flow id is the OAuth `state`: 32 random bytes, base64url. */
const flowParams = z.object({
  flowId: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, "Not a consent flow id."),
});
const params = z.object({ accountId: uuid() });
const authorizeUrl = z.object({ authorizeUrl: z.string() }).meta({ id: "MicrosoftAuthorizeUrl" });

export const connectionSchema = z
  .object({
    status: z.enum(["connected", "disconnected", "not-connected"]),
    tenantId: z.string().nullable(),
    tenantDomain: z.string().nullable(),
    adminUpn: z.string().nullable(),
    connectedAt: z.string().nullable(),
    portalName: z.string(),
  })
  .meta({ id: "MicrosoftConnection" });

const flowSchema = z
  .object({
    outcome: z.enum(["pending", "connected", "failed"]),
    errorCode: z.string().nullable(),
    message: z.string().nullable(),
    adminUpn: z.string().nullable(),
    tenantDomain: z.string().nullable(),
    portalName: z.string(),
    enterpriseAccountId: z.string(),
    enterpriseName: z.string(),
  })
  .meta({ id: "MicrosoftConsentResult" });

async function startOrExplain(run: () => Promise<{ authorizeUrl: string }>) {
  try {
    const { authorizeUrl } = await run();
    return { authorizeUrl };
  } catch (error) {
    if (error instanceof ConsentFailure) throw Problem.conflict(error.message);
    throw error;
  }
}

/**
 * What follows a completed consent lives in higher modules (the Direct Routing setup of an enterprise, the
 * carrier trunk of the operator): this module only announces it, and the composition root wires the hook.
 */
export interface ConsentHooks {
  /** A consent flow connected `accountId` (an enterprise, or the operator's own tenant). */
  connected(accountId: string): Promise<void>;
}

export type MicrosoftRoutesDeps = MicrosoftDeps & {
  db: Database;
  mailer: Mailer;
  log: Logger;
  consentHooks: ConsentHooks;
};

export function microsoftRoutes(deps: MicrosoftRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/microsoft/connection",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["microsoft"],
          operationId: "getMicrosoftConnection",
          params,
          response: { 200: connectionSchema },
        },
      },
      async (request) => {
        assertEnterprise(targetAccountOf(request));
        const row = await findConnection(deps.db, targetAccountOf(request).id);
        const settings = await effectiveOperatorSettings(deps);
        return {
          status: row?.status ?? ("not-connected" as const),
          tenantId: row?.tenantId ?? null,
          tenantDomain: row?.tenantDomain ?? null,
          adminUpn: row?.adminUpn ?? null,
          connectedAt: row?.connectedAt.toISOString() ?? null,
          portalName: settings.portalDisplayName,
        };
      },
    );

    app.post(
      "/api/accounts/:accountId/microsoft/connect",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["microsoft"],
          operationId: "connectMicrosoft",
          params,
          querystring: z.object({
            // Microsoft's account picker instead of its signed-in session (prompt=select_account).
            prompt: z
              .enum(["select_account"], { error: "Use prompt=select_account or leave it out." })
              .optional(),
          }),
          response: { 200: authorizeUrl },
        },
      },
      async (request) => {
        assertEnterprise(targetAccountOf(request));
        return startOrExplain(() =>
          startConsent(deps, {
            enterpriseAccountId: targetAccountOf(request).id,
            startedByUserId: request.actor!.userId,
            selectAccount: request.query.prompt === "select_account",
          }),
        );
      },
    );

    // Linking another tenant than the current (or former) one: explicit, Admin only, audited, Admins notified.
    app.post(
      "/api/accounts/:accountId/microsoft/replace-tenant",
      {
        config: { access: { kind: "account", permission: "administer" } },
        schema: {
          tags: ["microsoft"],
          operationId: "replaceMicrosoftTenant",
          params,
          response: { 200: authorizeUrl },
        },
      },
      async (request) => {
        assertEnterprise(targetAccountOf(request));
        return startOrExplain(() =>
          requestTenantReplacement(
            deps,
            requestAuditContext(request),
            targetAccountOf(request),
            request.actor!.userId,
          ),
        );
      },
    );

    app.post(
      "/api/accounts/:accountId/microsoft/disconnect",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["microsoft"],
          operationId: "disconnectMicrosoft",
          params,
          response: { 204: z.undefined() },
        },
      },
      async (request, reply) => {
        assertEnterprise(targetAccountOf(request));
        await disconnect(deps.db, requestAuditContext(request), targetAccountOf(request));
        return reply.code(204).send();
      },
    );

    app.post(
      "/api/accounts/:accountId/microsoft/authorization-requests",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["microsoft"],
          operationId: "sendMicrosoftAuthorizationRequest",
          params,
          body: z.object({
            email: z.email("Enter a valid email address."),
            name: text(120).trim().min(1, "Enter the recipient's name."),
          }),
          response: { 204: z.undefined() },
        },
      },
      async (request, reply) => {
        assertEnterprise(targetAccountOf(request));
        assertManagedFromAbove(request.actor!, targetAccountOf(request));
        await sendAuthorizationRequest(
          deps,
          requestAuditContext(request),
          targetAccountOf(request),
          request.body,
        );
        return reply.code(204).send();
      },
    );

    // The emailed link: starts the flow for the link's enterprise, without a portal session. The token comes
    // in the body (the link carries it in its fragment), so it never reaches a URL or an access log.
    app.post(
      "/api/microsoft/authorization-requests/connect",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["microsoft"],
          operationId: "connectMicrosoftFromRequest",
          body: z.object({
            token: z
              .string({ error: "Open the link from the email again." })
              .min(1, "Open the link from the email again.")
              .max(100, "This authorization link is not valid."),
          }),
          response: { 200: authorizeUrl },
        },
      },
      async (request) => startOrExplain(() => connectFromAuthorizationRequest(deps, request.body.token)),
    );

    app.get(
      "/api/microsoft/callback",
      {
        config: { access: { kind: "public" } },
        schema: { hide: true, querystring: z.record(z.string(), z.string()) },
      },
      async (request, reply) => {
        const result = await handleCallback(
          deps,
          request.query as Record<string, string>,
          requestAuditContext(request),
        );
        if (result.kind === "redirect-to-microsoft") return reply.redirect(result.url, 302);
        if (!result.errorCode && result.flowId) {
          const view = await consentFlowView(deps, result.flowId);
          if (view) await deps.consentHooks.connected(view.enterpriseAccountId);
        }
        const target = result.flowId
          ? `/microsoft/result/${encodeURIComponent(result.flowId)}`
          : `/microsoft/result/unknown?error=${result.errorCode}`;
        return reply.redirect(target, 302);
      },
    );

    app.get(
      "/api/microsoft/consent-flows/:flowId",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["microsoft"],
          operationId: "getMicrosoftConsentResult",
          params: flowParams,
          response: { 200: flowSchema },
        },
      },
      async (request) => {
        const view = await consentFlowView(deps, request.params.flowId);
        if (!view) throw Problem.notFound(CONSENT_ERROR_MESSAGES.state_expired);
        return view;
      },
    );

    app.post(
      "/api/microsoft/consent-flows/:flowId/retry",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["microsoft"],
          operationId: "retryMicrosoftConsent",
          params: flowParams,
          response: { 200: authorizeUrl },
        },
      },
      async (request) => {
        return startOrExplain(async () => {
          const result = await retryConsent(deps, request.params.flowId, request.actor?.userId ?? null);
          if (result === "unknown") throw Problem.notFound(CONSENT_ERROR_MESSAGES.state_expired);
          if (result === "connected")
            throw Problem.conflict("This authorization is already complete; nothing to try again.");
          if (result === "not-yours")
            throw Problem.forbidden(
              "Only the portal Admin who asked to connect a different Microsoft 365 tenant can try again. Sign in to the portal and start it from the Authorization page.",
            );
          return result;
        });
      },
    );
  };
}
