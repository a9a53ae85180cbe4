import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemSchema } from "../../http/problem.js";
import { text } from "../../http/schema-primitives.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { requestPasswordReset } from "./password-reset.js";
import type { IdentityDeps } from "./service.js";
import { identityService, type RequestMeta } from "./service.js";
import { sessionView, startSession } from "./session-routes.js";

const meta = (request: FastifyRequest): RequestMeta => ({
  ip: request.ip,
  userAgent: request.headers["user-agent"],
  requestId: request.id,
});

const password = text(1024);
const errors = { 400: problemSchema, 401: problemSchema, 429: problemSchema };

/** Signed-out flows: sign-in, activation, forgotten password. All public, all rate limited. */
export function authRoutes(deps: IdentityDeps & { jobs: Pick<JobQueue, "enqueue"> }): FastifyPluginAsyncZod {
  const identity = identityService(deps);
  return async (app) => {
    app.post(
      "/api/auth/sign-in",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["identity"],
          operationId: "signIn",
          description:
            "Username (email) and password, plus `totpCode` or `recoveryCode` when two-factor authentication is on " +
            "(a 401 of type `urn:sip2teams:problem:two-factor-required` asks for it). Starts a new session.",
          body: z.object({
            username: text(320).min(1, "Enter your username."),
            password: password.min(1, "Enter your password."),
            totpCode: text(20).optional(),
            recoveryCode: text(40).optional(),
          }),
          response: { 200: sessionView, ...errors },
        },
      },
      async (request, reply) => {
        const user = await identity.signIn(request.body, meta(request));
        return startSession(deps, request, reply, user.id);
      },
    );

    app.post(
      "/api/auth/activate",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["identity"],
          operationId: "activateAccount",
          description:
            "Activation link token + the temporary password from the email + a new password. Signs the user in.",
          body: z.object({
            token: text(200).min(1, "The activation link is incomplete."),
            currentPassword: password.min(1, "Enter the temporary password from the email."),
            newPassword: password.min(1, "Choose a new password."),
            confirmPassword: password.min(1, "Re-enter your new password."),
          }),
          response: { 200: sessionView, ...errors },
        },
      },
      async (request, reply) => {
        const user = await identity.activate(request.body, meta(request));
        return startSession(deps, request, reply, user.id);
      },
    );

    // The activation page checks its link on load: a used or expired link says so before the form.
    app.post(
      "/api/auth/activation-link",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["identity"],
          operationId: "checkActivationLink",
          description:
            "Whether an activation link is still usable (nothing else about it). The token comes in the body, " +
            "never in a URL; invalid checks count towards the address's sign-in throttle.",
          body: z.object({ token: text(200).min(1, "The activation link is incomplete.") }),
          response: { 200: z.object({ usable: z.boolean() }), 400: problemSchema, 429: problemSchema },
        },
      },
      async (request) => ({ usable: await identity.activationLinkUsable(request.body.token, meta(request)) }),
    );

    app.post(
      "/api/auth/forgot-password",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["identity"],
          operationId: "forgotPassword",
          description: 'Sends "Reset password instructions" if the user exists. Answers 202 either way.',
          body: z.object({ username: text(320).min(1, "Enter your username.") }),
          response: {
            202: z.object({ status: z.literal("sent-if-exists") }),
            400: problemSchema,
            429: problemSchema,
          },
        },
      },
      async (request, reply) => {
        await requestPasswordReset(deps, request.body, meta(request));
        return reply.code(202).send({ status: "sent-if-exists" as const });
      },
    );

    app.post(
      "/api/auth/reset-password",
      {
        config: { access: { kind: "public" } },
        schema: {
          tags: ["identity"],
          operationId: "resetPassword",
          description:
            "Sets a new password from a reset link, revokes every other session of the user and signs in.",
          body: z.object({
            token: text(200).min(1, "The reset link is incomplete."),
            newPassword: password.min(1, "Choose a new password."),
            confirmPassword: password.min(1, "Re-enter your new password."),
          }),
          response: { 200: sessionView, ...errors },
        },
      },
      async (request, reply) => {
        const user = await identity.resetPassword(request.body, meta(request));
        return startSession(deps, request, reply, user.id);
      },
    );
  };
}
