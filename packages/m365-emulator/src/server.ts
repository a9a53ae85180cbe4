import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { decodeJwt } from "jose";
import type { EmulatorContext } from "./context.js";
import { registerControlRoutes } from "./control/routes.js";
import { graphError } from "./graph/errors.js";
import { registerGraphRoutes } from "./graph/routes.js";
import { registerIdentityRoutes } from "./identity/routes.js";
import { stsError } from "./identity/sts-errors.js";
import type { FaultAction } from "./state/faults.js";
import type { RequestLogEntry } from "./state/model.js";
import { registerTeamsAdminRoutes } from "./teams-admin/routes.js";

export interface ServerOptions {
  key: string;
  cert: string;
  latencyMs: number;
  pwshStandIn: boolean;
}

function surfaceOf(path: string): RequestLogEntry["surface"] {
  if (path.startsWith("/graph/")) return "graph";
  if (path.startsWith("/teams-admin/")) return "teams-admin";
  if (path.startsWith("/_emulator/pwsh/")) return "pwsh";
  if (path.startsWith("/_emulator")) return "other";
  return "login";
}

const SECRET_KEYS = new Set([
  "password",
  "passwd",
  "client_secret",
  "client_assertion",
  "refresh_token",
  "code_verifier",
  "accesstokens",
]);

/** The request log keeps bodies for assertions but never credentials. */
function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      SECRET_KEYS.has(k.toLowerCase()) && v !== undefined && v !== null ? "***" : redactSecrets(v, depth + 1),
    ]),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bearerClaims(req: FastifyRequest): { tid?: string; appid?: string } {
  const h = req.headers.authorization;
  if (!h?.toLowerCase().startsWith("bearer ")) return {};
  try {
    const c = decodeJwt(h.slice(7).trim()) as { tid?: string; appid?: string };
    return { tid: c.tid, appid: c.appid };
  } catch {
    return {};
  }
}

function sendFault(req: FastifyRequest, reply: FastifyReply, action: FaultAction & { kind: "status" }) {
  if (action.retryAfter !== undefined) reply.header("retry-after", String(action.retryAfter));
  reply.code(action.status);
  if (action.body !== undefined) return reply.send(action.body);
  const surface = req.emu.surface;
  if (surface === "graph") {
    const code =
      action.status === 429
        ? "TooManyRequests"
        : action.status === 503
          ? "serviceNotAvailable"
          : "generalException";
    const message =
      action.status === 429
        ? "Too many requests. Please retry after the number of seconds given in the Retry-After header."
        : "The service is temporarily unavailable. Please retry.";
    const body = graphError(req, code, message);
    if (action.status === 429) (body.error.innerError as Record<string, unknown>).code = "throttledRequest";
    return reply.send(body);
  }
  if (surface === "login") {
    return reply.send(
      stsError(
        req.headers.host ?? "localhost",
        "temporarily_unavailable",
        90033,
        "A transient error has occurred. Please try again.",
      ),
    );
  }
  return reply.send({
    error: {
      code: action.status === 429 ? "TooManyRequests" : "ServiceUnavailable",
      message: "Service is unavailable. Please try again",
    },
  });
}

export async function buildServer(ctx: EmulatorContext, opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    https: { key: opts.key, cert: opts.cert },
    logger: false,
    bodyLimit: 20 * 1024 * 1024,
    routerOptions: { ignoreDuplicateSlashes: true, maxParamLength: 4096 },
  });
  await app.register(formbody);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error("The request body is not valid JSON.") as Error & { statusCode: number };
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.decorateRequest("emu", undefined as unknown as FastifyRequest["emu"]);

  app.addHook("onRequest", async (req) => {
    req.emu = { tenantId: null, clientId: null, surface: surfaceOf(req.url), startedAt: performance.now() };
  });

  app.addHook("preHandler", async (req, reply) => {
    const surface = req.emu.surface;
    if (surface === "other") return;
    const claims = bearerClaims(req);
    const tenantId =
      claims.tid ??
      ctx.state.findTenant(String((req.params as { tenant?: string })?.tenant ?? ""))?.id ??
      null;
    const clientId = claims.appid ?? (req.body as { client_id?: string } | undefined)?.client_id ?? null;
    const latency = opts.latencyMs + ctx.state.faults.config.latencyMs;
    if (latency > 0) await sleep(latency);
    const action = ctx.state.faults.decide({
      method: req.method,
      path: req.url.split("?")[0] ?? req.url,
      tenantId,
      appId: clientId,
      budget:
        surface === "graph"
          ? "graph"
          : surface === "teams-admin" || surface === "pwsh"
            ? "teams-admin"
            : null,
      randomFaults: surface === "graph" || surface === "teams-admin",
    });
    // Handlers overwrite these with verified values; unverified ones still route the log entry.
    req.emu.tenantId = tenantId;
    req.emu.clientId = clientId;
    if (!action) return;
    if (action.kind === "reset") {
      req.raw.socket.destroy();
      return reply.hijack();
    }
    return sendFault(req, reply, action);
  });

  // A Graph read answers pageLatencyMs after it arrived, however long the emulator itself took (faults.ts).
  app.addHook("onSend", async (req) => {
    const pageLatencyMs = ctx.state.faults.config.pageLatencyMs;
    if (pageLatencyMs > 0 && req.emu?.surface === "graph" && req.method === "GET") {
      const left = req.emu.startedAt + pageLatencyMs - performance.now();
      if (left > 0) await sleep(left);
    }
  });

  app.addHook("onResponse", async (req, reply) => {
    const e = req.emu;
    if (!e || e.surface === "other") return;
    const url = new URL(req.url, "https://x");
    ctx.state.logRequest(e.tenantId, {
      time: new Date().toISOString(),
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: redactSecrets(e.logBody !== undefined ? e.logBody : (req.body ?? null)),
      status: reply.statusCode,
      durationMs: Math.round((performance.now() - e.startedAt) * 10) / 10,
      clientId: e.clientId,
      surface: e.surface,
    });
  });

  // Errors raised before a handler runs (body parsing, limits) still answer in the surface's own shape.
  app.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    const status =
      error instanceof URIError ? 400 : error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    reply.code(status);
    const surface = req.emu?.surface ?? "other";
    if (surface === "graph") {
      return reply.send(graphError(req, status === 500 ? "generalException" : "BadRequest", error.message));
    }
    if (surface === "login") {
      return reply.send(stsError(req.headers.host ?? "localhost", "invalid_request", 900144, error.message));
    }
    return reply.send({
      error: { code: status === 500 ? "InternalServerError" : "BadRequest", message: error.message },
    });
  });

  registerIdentityRoutes(app, ctx);
  registerGraphRoutes(app, ctx);
  registerTeamsAdminRoutes(app, ctx);
  registerControlRoutes(app, ctx, { pwshStandIn: opts.pwshStandIn });
  return app;
}
