import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { Problem } from "../../http/problem.js";
import { text } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { accountRepository } from "../tenancy/index.js";
import type { IdentityDeps } from "./service.js";
import { identityService } from "./service.js";
import { twoFactorService } from "./two-factor.js";

const status = z
  .object({ enabled: z.boolean(), required: z.boolean(), recoveryCodesRemaining: z.number().int() })
  .meta({ id: "TwoFactorStatus" });
const codes = z.object({ recoveryCodes: z.array(z.string()) }).meta({ id: "RecoveryCodes" });

/** The signed-in user's own two-factor authentication (TOTP + recovery codes). */
export function twoFactorRoutes(deps: IdentityDeps): FastifyPluginAsyncZod {
  const twoFactor = twoFactorService({
    db: deps.db,
    secrets: deps.secrets,
    portalName: deps.config.PORTAL_NAME,
  });
  const identity = identityService(deps);
  const session = { config: { access: { kind: "session" as const } } };
  return async (app) => {
    app.get(
      "/api/me/two-factor",
      { ...session, schema: { tags: ["identity"], operationId: "getTwoFactor", response: { 200: status } } },
      async (request) => {
        const actor = request.actor!;
        const account = await accountRepository(deps.db).findWithinScope(actor.account, actor.account.id);
        return { ...(await twoFactor.status(actor.userId)), required: Boolean(account?.requireTwoFactor) };
      },
    );

    app.post(
      "/api/me/two-factor/enrol",
      {
        ...session,
        schema: {
          tags: ["identity"],
          operationId: "enrolTwoFactor",
          description:
            "Starts set-up: a new secret as text, otpauth URL and QR code. Nothing changes until confirmed.",
          response: {
            200: z.object({ secret: z.string(), otpauthUrl: z.string(), qrCodeDataUrl: z.string() }),
          },
        },
      },
      async (request) => twoFactor.enrol(request.actor!),
    );

    app.post(
      "/api/me/two-factor/confirm",
      {
        ...session,
        schema: {
          tags: ["identity"],
          operationId: "confirmTwoFactor",
          body: z.object({ code: text(20).min(1, "Enter the 6-digit code from your app.") }),
          response: { 200: codes },
        },
      },
      async (request) => ({
        recoveryCodes: await twoFactor.confirm(
          request.actor!,
          request.body.code,
          requestAuditContext(request),
        ),
      }),
    );

    app.post(
      "/api/me/two-factor/recovery-codes",
      {
        ...session,
        schema: {
          tags: ["identity"],
          operationId: "regenerateRecoveryCodes",
          body: z.object({ password: text(1024).min(1, "Enter your password.") }),
          response: { 200: codes },
        },
      },
      async (request) => {
        const actor = request.actor!;
        if (!(await identity.checkOwnPassword(actor.userId, request.body.password))) {
          throw Problem.field("password", "The password is incorrect.");
        }
        if (!(await twoFactor.status(actor.userId)).enabled)
          throw Problem.conflict("Two-factor authentication is not on.");
        return {
          recoveryCodes: await twoFactor.regenerateRecoveryCodes(actor, requestAuditContext(request)),
        };
      },
    );

    app.post(
      "/api/me/two-factor/disable",
      {
        ...session,
        schema: {
          tags: ["identity"],
          operationId: "disableTwoFactor",
          body: z.object({ password: text(1024).min(1, "Enter your password.") }),
          response: { 204: z.undefined() },
        },
      },
      async (request, reply) => {
        const actor = request.actor!;
        const account = await accountRepository(deps.db).findWithinScope(actor.account, actor.account.id);
        if (account?.requireTwoFactor) {
          throw Problem.conflict("Your account requires two-factor authentication; it cannot be turned off.");
        }
        if (!(await identity.checkOwnPassword(actor.userId, request.body.password))) {
          throw Problem.field("password", "The password is incorrect.");
        }
        await twoFactor.disable(actor, requestAuditContext(request));
        return reply.code(204).send();
      },
    );
  };
}
