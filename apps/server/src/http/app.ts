import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyCookie from "@fastify/cookie";
import fastifyFormbody from "@fastify/formbody";
import fastifyHelmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import scalarApiReference from "@scalar/fastify-api-reference";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import type { SecretBox } from "../crypto/secret-box.js";
import type { Database } from "../db/client.js";
import type { JobQueue } from "../jobs/job-queue.js";
import type { MicrosoftSignInPort } from "../modules/identity/microsoft-sign-in-port.js";
import { sessionStore } from "../modules/identity/sessions.js";
import type { Mailer } from "../modules/mail/mailer.js";
import type { MicrosoftPort } from "../modules/microsoft/port.js";
import type { SbcAdapterHandle } from "../modules/sbc/runtime.js";
import { accountRepository } from "../modules/tenancy/repository.js";
import { type RegisteredRoute, registerAccessControl } from "./access.js";
import { DEFAULT_BODY_LIMIT, registerBodyLimits } from "./body-limits.js";
import { registerInputBoundary } from "./input-boundary.js";
import { errorHandler, Problem, sendProblem } from "./problem.js";
import { registerRoutes } from "./routes.js";
import { registerSessionAuth } from "./session-auth.js";

/** Everything a request handler may need, passed in explicitly. Built once in runtime/boot.ts. */
export interface AppDeps {
  config: Config;
  db: Database;
  log: Logger;
  mailer: Mailer;
  jobs: JobQueue;
  secrets: SecretBox;
  /** The one way to Microsoft (Graph, identity platform, Teams PowerShell), built in runtime/container.ts. */
  microsoft: MicrosoftPort;
  /** Sign in with Microsoft, as the identity module sees it (the microsoft module's adapter). */
  microsoftSignIn: MicrosoftSignInPort;
  /** The SBC (Kamailio) adapter, created on first use. */
  sbc: SbcAdapterHandle;
}

export type App = FastifyInstance;

export const webDistFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../web/dist");
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; routes: RegisteredRoute[] }> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.log,
    trustProxy: config.TRUST_PROXY,
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Errors the router answers before any route (a path segment over 100 characters, a malformed
    // percent-encoding) are problem+json like every other 4xx; the bad URL is not echoed.
    frameworkErrors: (error, request, reply) => {
      const problem =
        error.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? new Problem(414, "URI Too Long", "A path segment is longer than 100 characters.")
          : error.code === "FST_ERR_BAD_URL"
            ? Problem.badRequest("The URL is not valid (malformed percent-encoding).")
            : new Problem(500, "Internal Server Error", "Something went wrong.");
      return sendProblem(reply, request, problem);
    },
  }) as unknown as FastifyInstance;
  registerBodyLimits(app);
  registerInputBoundary(app);

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
    // API answers carry sessions, CSRF tokens and revealed secrets: no browser or proxy may keep them.
    if (request.url.startsWith("/api/") && !request.url.startsWith("/api/docs")) {
      reply.header("cache-control", "no-store");
    }
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // Cross-origin isolation headers would block the Microsoft sign-in redirect flow.
    crossOriginOpenerPolicy: false,
    strictTransportSecurity: config.publicUrl.startsWith("https://"),
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "sip2teams API",
        version: "0.1.0",
        description:
          "Portal API: accounts, enterprises, trunk profiles, Microsoft Teams connection and users.",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "s2t_session" },
          csrf: { type: "apiKey", in: "header", name: "x-csrf-token" },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  app.get("/api/openapi.json", { schema: { hide: true }, config: { access: { kind: "public" } } }, async () =>
    app.swagger(),
  );
  await app.register(scalarApiReference, {
    routePrefix: "/api/docs",
    configuration: { url: "/api/openapi.json" },
    hooks: {
      onRequest: async (_request: unknown, reply: FastifyReply) => {
        // The reference page runs inline scripts; relax the policy on its pages only.
        reply.header("content-security-policy", "default-src 'self' 'unsafe-inline' data: blob:");
      },
    },
  } as never);

  const accounts = accountRepository(deps.db);
  const routes = registerAccessControl(app, (id) => accounts.findById(id));
  registerSessionAuth(
    app,
    sessionStore(deps.db, {
      idleMinutes: config.SESSION_IDLE_MINUTES,
      absoluteHours: config.SESSION_ABSOLUTE_HOURS,
    }),
    config.publicUrl,
  );

  await registerRoutes(app, deps);

  const hasWeb = existsSync(path.join(webDistFolder, "index.html"));
  if (hasWeb) {
    await app.register(fastifyStatic, { root: webDistFolder, wildcard: false, index: false });
  }
  app.setNotFoundHandler((request, reply) => {
    const wantsPage =
      request.method === "GET" &&
      !request.url.startsWith("/api/") &&
      request.headers.accept?.includes("text/html");
    if (hasWeb && wantsPage) return reply.type("text/html").sendFile("index.html");
    return sendProblem(
      reply,
      request,
      Problem.notFound(`No route for ${request.method} ${request.url.split("?")[0]}.`),
    );
  });

  return { app, routes };
}
