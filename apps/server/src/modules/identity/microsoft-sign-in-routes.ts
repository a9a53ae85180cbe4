import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { Problem, problemSchema } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import type { MicrosoftSignInDeps } from "./microsoft-sign-in.js";
import {
  completeMicrosoftSecondFactor,
  completeMicrosoftSignIn,
  disableMicrosoftSignIn,
  microsoftSignInSetting,
  startMicrosoftSignIn,
} from "./microsoft-sign-in.js";
import { sessionView, startSession } from "./session-routes.js";

/** Binds a Sign in with Microsoft to the browser that started it (no signing someone in as someone else). */
const FLOW_COOKIE = "s2t_ms_sign_in";
const FLOW_COOKIE_PATH = "/api/auth/microsoft";

const setting = z
  .object({ enabled: z.boolean(), tenantId: z.string().nullable() })
  .meta({ id: "MicrosoftSignInSetting" });

/** Sign in with Microsoft (OpenID Connect) and a partner's or the operator's own-tenant setting for it. */
export function microsoftSignInRoutes(deps: MicrosoftSignInDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const secure = deps.config.publicUrl.startsWith("https://");
    const bindToBrowser = (
      reply: { setCookie: (n: string, v: string, o: object) => unknown },
      flowId: string,
    ) =>
      reply.setCookie(FLOW_COOKIE, flowId, {
        path: FLOW_COOKIE_PATH,
        httpOnly: true,
        sameSite: "lax",
        secure,
        maxAge: 600,
      });

    app.get(
      "/api/auth/microsoft/start",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["identity"],
          operationId: "startMicrosoftSignIn",
          description: "Redirects the browser to Microsoft's sign-in (OpenID Connect, code + PKCE).",
          response: { 302: z.null() },
        },
      },
      async (_request, reply) => {
        const url = await startMicrosoftSignIn(deps, { purpose: "sign-in" }).catch((error) => {
          if (error instanceof Problem) return null;
          throw error;
        });
        // A browser followed a link here: it gets the sign-in page's explanation, not a JSON problem.
        if (!url) return reply.redirect("/sign-in/microsoft?error=not_configured", 302);
        bindToBrowser(reply, new URL(url).searchParams.get("state")!);
        return reply.redirect(url, 302);
      },
    );

    app.get(
      "/api/auth/microsoft/callback",
      {
        config: { access: { kind: "public" } },
        schema: { hide: true, querystring: z.record(z.string(), z.string()) },
      },
      async (request, reply) => {
        const query = request.query as Record<string, string>;
        const bound = request.cookies[FLOW_COOKIE];
        reply.clearCookie(FLOW_COOKIE, { path: FLOW_COOKIE_PATH });
        // A state from another browser is treated like an unknown one (and stays usable by its own browser).
        const outcome =
          bound && bound === query.state
            ? await completeMicrosoftSignIn(deps, query, requestAuditContext(request))
            : ({ kind: "refused", code: "state_expired" } as const);
        switch (outcome.kind) {
          case "signed-in":
            await startSession(deps, request, reply, outcome.userId);
            return reply.redirect("/", 302);
          case "two-factor":
            // In the fragment, so the flow id stays out of logs and Referer headers.
            return reply.redirect(`/sign-in/microsoft#flow=${encodeURIComponent(outcome.flowId)}`, 302);
          case "enabled":
            return reply.redirect("/sign-in/microsoft?enabled=1", 302);
          case "refused":
            return reply.redirect(`/sign-in/microsoft?error=${outcome.code}`, 302);
        }
      },
    );

    app.post(
      "/api/auth/microsoft/two-factor",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["identity"],
          operationId: "completeMicrosoftSignIn",
          description:
            "The portal's second factor after a Sign in with Microsoft that Microsoft did not put through MFA " +
            "(the id token's `amr` has no `mfa`) for a user who enrolled in two-factor authentication.",
          body: z.object({
            flow: text(100).min(1, "The sign-in link is incomplete."),
            totpCode: text(20).optional(),
            recoveryCode: text(40).optional(),
          }),
          response: { 200: sessionView, 400: problemSchema, 401: problemSchema, 429: problemSchema },
        },
      },
      async (request, reply) => {
        if (!request.body.totpCode && !request.body.recoveryCode)
          throw Problem.field("totpCode", "Enter the code from your authenticator app.");
        const userId = await completeMicrosoftSecondFactor(deps, request.body, requestAuditContext(request));
        return startSession(deps, request, reply, userId);
      },
    );

    const ownAccount = (
      request: { actor?: { account: { id: string; kind: string } } | null },
      id: string,
    ) => {
      const account = request.actor?.account;
      if (!account || account.id !== id)
        throw Problem.forbidden("Only an Admin of the account itself can change its Microsoft sign-in.");
      if (account.kind === "enterprise")
        throw Problem.conflict(
          "An enterprise's users sign in with Microsoft through its Microsoft 365 connection; there is nothing to enable.",
        );
    };
    const params = z.object({ accountId: uuid() });

    app.get(
      "/api/accounts/:accountId/microsoft-sign-in",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["identity"],
          operationId: "getMicrosoftSignInSetting",
          params,
          response: { 200: setting },
        },
      },
      async (request) => microsoftSignInSetting(deps.db, request.targetAccount!.id),
    );

    app.post(
      "/api/accounts/:accountId/microsoft-sign-in/enable",
      {
        // A browser flow: an Admin (a person, never an API key) signs in at Microsoft to finish it.
        config: { access: { kind: "account", permission: "administer", apiKeys: false } },
        schema: {
          tags: ["identity"],
          operationId: "enableMicrosoftSignIn",
          description:
            "A partner's or the operator's Admin links its own Entra tenant: the answer is Microsoft's sign-in, " +
            "where a Global Admin of that tenant signs in; its users may then Sign in with Microsoft.",
          params,
          response: { 200: z.object({ authorizeUrl: z.string() }), 403: problemSchema, 409: problemSchema },
        },
      },
      async (request, reply) => {
        ownAccount(request, request.targetAccount!.id);
        const authorizeUrl = await startMicrosoftSignIn(deps, {
          purpose: "enable",
          accountId: request.targetAccount!.id,
          startedByUserId: request.actor!.userId,
        });
        bindToBrowser(reply, new URL(authorizeUrl).searchParams.get("state")!);
        return { authorizeUrl };
      },
    );

    app.delete(
      "/api/accounts/:accountId/microsoft-sign-in",
      {
        config: { access: { kind: "account", permission: "administer" } },
        schema: {
          tags: ["identity"],
          operationId: "disableMicrosoftSignIn",
          params,
          response: { 204: z.undefined(), 403: problemSchema, 409: problemSchema },
        },
      },
      async (request, reply) => {
        ownAccount(request, request.targetAccount!.id);
        await disableMicrosoftSignIn(deps.db, request.targetAccount!.id, requestAuditContext(request));
        return reply.code(204).send();
      },
    );
  };
}
