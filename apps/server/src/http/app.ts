import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { brotliCompressSync, gzipSync, constants as zlibConstants } from "node:zlib";
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
import { serverRoot } from "../config/server-root.js";
import { type AccountLookup, type RegisteredRoute, registerAccessControl } from "./access.js";
import { DEFAULT_BODY_LIMIT, registerBodyLimits } from "./body-limits.js";
import { documentIdempotency, type IdempotencyStore, registerIdempotency } from "./idempotency.js";
import { registerInputBoundary } from "./input-boundary.js";
import { pagePreloader } from "./page-preloads.js";
import { errorHandler, Problem, sendProblem } from "./problem.js";
import { type ApiKeyResolver, registerSessionAuth, type SessionResolver } from "./session-auth.js";

/**
 * What the HTTP platform needs from the composition root (runtime/portal-app.ts): it knows no module.
 * The session resolver, the account lookup of the access gate and the route registry are injected.
 */
export interface AppOptions {
  config: Pick<Config, "TRUST_PROXY" | "publicUrl">;
  log: Logger;
  /** Session cookie → actor (identity's session store). */
  sessions: SessionResolver;
  /** `Authorization: Bearer` → actor (identity's API keys). */
  apiKeys?: ApiKeyResolver;
  /** `Idempotency-Key` records (http/idempotency-store.ts); without it the header is ignored. */
  idempotency?: IdempotencyStore;
  /** `:accountId` → the account the gate checks (tenancy's account repository). */
  findAccount: AccountLookup;
  /** Registers every module's routes (runtime/routes.ts). */
  registerRoutes(app: FastifyInstance): Promise<void>;
}

export type App = FastifyInstance;

export const webDistFolder = path.resolve(serverRoot, "../web/dist");
/** Content-hashed build output never changes under its name; everything else (index.html) is revalidated. */
const webCacheControl = (file: string) =>
  file.includes(`${path.sep}assets${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache";
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** A page's HTML made per request (index.html with its preloads), compressed as the browser takes it. */
function sendPage(reply: FastifyReply, acceptEncoding: string | undefined, html: string) {
  reply.type("text/html").header("cache-control", "no-cache").header("vary", "accept-encoding");
  const accepts = (encoding: string) => new RegExp(`\\b${encoding}\\b`).test(acceptEncoding ?? "");
  // Low quality levels: a few kilobytes, made on each request.
  if (accepts("br"))
    return reply
      .header("content-encoding", "br")
      .send(brotliCompressSync(html, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } }));
  if (accepts("gzip")) return reply.header("content-encoding", "gzip").send(gzipSync(html, { level: 6 }));
  return reply.send(html);
}

export async function buildApp(
  options: AppOptions,
): Promise<{ app: FastifyInstance; routes: RegisteredRoute[] }> {
  const { config } = options;
  const app = Fastify({
    loggerInstance: options.log,
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
          bearerAuth: { type: "http", scheme: "bearer", description: "An API key (docs/api.md)." },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => documentIdempotency(jsonSchemaTransformObject(input)),
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

  const routes = registerAccessControl(app, options.findAccount);
  registerSessionAuth(app, options.sessions, config.publicUrl, options.apiKeys);
  if (options.idempotency) registerIdempotency(app, options.idempotency);

  await options.registerRoutes(app);

  const hasWeb = existsSync(path.join(webDistFolder, "index.html"));
  const pageWithPreloads = hasWeb ? pagePreloader(webDistFolder) : () => null;
  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: webDistFolder,
      wildcard: false,
      index: false,
      // .br and .gz lie next to each file (apps/web/vite.config.ts precompresses); Vary is set for us.
      preCompressed: true,
      cacheControl: false,
      setHeaders: (reply, file) => reply.header("cache-control", webCacheControl(file)),
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const wantsPage =
      request.method === "GET" &&
      !request.url.startsWith("/api/") &&
      request.headers.accept?.includes("text/html");
    if (hasWeb && wantsPage) {
      const page = pageWithPreloads(request.url);
      if (page) return sendPage(reply, request.headers["accept-encoding"], page);
      return reply.type("text/html").sendFile("index.html");
    }
    return sendProblem(
      reply,
      request,
      Problem.notFound(`No route for ${request.method} ${request.url.split("?")[0]}.`),
    );
  });

  return { app, routes };
}
