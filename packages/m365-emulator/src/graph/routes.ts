import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { baseUrl, type EmulatorContext } from "../context.js";
import type { EmulatorTokenClaims } from "../identity/tokens.js";
import { GRAPH_APP_ID, GRAPH_RESOURCE } from "../state/catalog.js";
import { EmulatorError } from "../state/errors.js";
import type { Tenant } from "../state/model.js";
import { tenantNow } from "../state/users.js";
import { batch } from "./batch.js";
import type { GraphCall, GraphResult, GraphRoute } from "./call.js";
import { directoryRoutes } from "./directory.js";
import { GraphHttpError, graphError } from "./errors.js";
import { teamsRoutes } from "./teams.js";
import { userRoutes } from "./users.js";

const ROUTES: GraphRoute[] = [...userRoutes, ...directoryRoutes, ...teamsRoutes];
const JSON_TYPE =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

export async function authenticateBearer(
  ctx: EmulatorContext,
  req: FastifyRequest,
  audiences: string[],
): Promise<{ tenant: Tenant; claims: EmulatorTokenClaims }> {
  const h = req.headers.authorization ?? "";
  if (!/^bearer\s+\S/i.test(h))
    throw new GraphHttpError(401, "InvalidAuthenticationToken", "Access token is empty.");
  const token = h.replace(/^bearer\s+/i, "").trim();
  const result = await ctx.tokens.verify(token, audiences, (claims) => {
    const t = claims.tid ? ctx.state.tenants.get(claims.tid) : undefined;
    return new Date(t ? tenantNow(t) : Date.now());
  });
  if (!result.ok) throw new GraphHttpError(401, "InvalidAuthenticationToken", result.reason);
  const tenant = ctx.state.tenants.get(result.claims.tid);
  if (!tenant)
    throw new GraphHttpError(401, "InvalidAuthenticationToken", "The tenant for this token does not exist.");
  return { tenant, claims: result.claims };
}

function send(reply: FastifyReply, result: GraphResult) {
  for (const [k, v] of Object.entries(result.headers ?? {})) reply.header(k, v);
  reply.code(result.status);
  if (result.body === undefined) return reply.send();
  if (typeof result.body === "string") return reply.send(result.body);
  reply.header("content-type", JSON_TYPE);
  return reply.send(JSON.stringify(result.body));
}

function sendError(req: FastifyRequest, reply: FastifyReply, e: unknown) {
  if (e instanceof GraphHttpError) {
    for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
    return reply.code(e.status).send(graphError(req, e.code, e.message));
  }
  if (e instanceof EmulatorError) return reply.code(e.status).send(graphError(req, e.code, e.message));
  if (e instanceof Error && (e as { graph?: boolean }).graph) {
    return reply.code(400).send(graphError(req, "BadRequest", e.message));
  }
  req.log.error(e);
  return reply.code(500).send(graphError(req, "generalException", "An internal server error occurred."));
}

export function registerGraphRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.all("/graph/*", async (req, reply) => {
    const requestId = randomUUID();
    req.headers["x-emulator-request-id"] = requestId;
    reply.header("request-id", requestId);
    reply.header("client-request-id", String(req.headers["client-request-id"] ?? requestId));
    reply.header(
      "x-ms-ags-diagnostic",
      JSON.stringify({ ServerInfo: { DataCenter: "Emulator", Slice: "E" } }),
    );
    reply.header("odata-version", "4.0");
    try {
      const url = new URL(req.url, "https://x");
      let path: string;
      try {
        path = decodeURIComponent(url.pathname.slice("/graph".length));
      } catch {
        throw new GraphHttpError(400, "BadRequest", "The request URI is not valid.");
      }
      if (!path.startsWith("/v1.0/")) {
        throw new GraphHttpError(400, "BadRequest", `Invalid version: ${path.split("/")[1] ?? ""}`);
      }
      path = path.slice("/v1.0".length).replace(/\/$/, "");
      const { tenant, claims } = await authenticateBearer(ctx, req, [GRAPH_RESOURCE, GRAPH_APP_ID]);
      req.emu.tenantId = tenant.id;
      req.emu.clientId = claims.appid ?? null;
      const call: GraphCall = {
        ctx,
        app,
        req,
        tenant,
        claims,
        method: req.method,
        path,
        params: {},
        query: url.searchParams,
        body: req.body,
        base: `${baseUrl(req)}/graph/v1.0`,
      };
      if (path === "/$batch") {
        if (req.method !== "POST") throw new GraphHttpError(405, "BadRequest", "Method not allowed.");
        return send(reply, await batch(call));
      }
      let methodMismatch = false;
      for (const r of ROUTES) {
        const m = r.pattern.exec(path);
        if (!m) continue;
        if (r.method !== req.method) {
          methodMismatch = true;
          continue;
        }
        r.keys.forEach((k, i) => {
          call.params[k] = m[i + 1] ?? "";
        });
        return send(reply, await r.handler(call));
      }
      if (methodMismatch)
        throw new GraphHttpError(
          405,
          "Request_BadRequest",
          "Specified HTTP method is not allowed for the request target.",
        );
      const segment = path.split("/").filter(Boolean).pop() ?? "";
      throw new GraphHttpError(400, "BadRequest", `Resource not found for the segment '${segment}'.`);
    } catch (e) {
      return sendError(req, reply, e);
    }
  });
}
