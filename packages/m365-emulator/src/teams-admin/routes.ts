import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { baseUrl, type EmulatorContext } from "../context.js";
import { GraphHttpError } from "../graph/errors.js";
import { authenticateBearer } from "../graph/routes.js";
import type { EmulatorTokenClaims } from "../identity/tokens.js";
import { TEAMS_ADMIN_RESOURCE, TEAMS_ADMIN_ROLES } from "../state/catalog.js";
import { EmulatorError } from "../state/errors.js";
import type { Tenant } from "../state/model.js";
import { settleOperations } from "../state/numbers.js";
import { findUser } from "../state/users.js";
import { onlineUserView, sipDomains } from "./views.js";

export class TeamsAdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Verifies a Teams admin token: audience 48ac35b8-… and a Teams admin directory role in `wids`. */
export async function authenticateTeamsAdmin(
  ctx: EmulatorContext,
  req: FastifyRequest,
): Promise<{ tenant: Tenant; claims: EmulatorTokenClaims }> {
  let auth: { tenant: Tenant; claims: EmulatorTokenClaims };
  try {
    auth = await authenticateBearer(ctx, req, [TEAMS_ADMIN_RESOURCE, `api://${TEAMS_ADMIN_RESOURCE}`]);
  } catch (e) {
    if (e instanceof GraphHttpError)
      throw new TeamsAdminError(401, "Unauthorized", `Authentication failed: ${e.message}`);
    throw e;
  }
  const wids = auth.claims.wids ?? [];
  if (!wids.some((w) => TEAMS_ADMIN_ROLES.includes(w))) {
    throw new TeamsAdminError(
      403,
      "Forbidden",
      "The caller does not have a Teams administrator role. Assign the Teams Administrator role to the application's service principal and request a new token.",
    );
  }
  return auth;
}

type Handler = (
  tenant: Tenant,
  req: FastifyRequest,
  parts: string[],
  reply: FastifyReply,
  ctx: EmulatorContext,
) => unknown;

function teamsUsers(
  tenant: Tenant,
  req: FastifyRequest,
  parts: string[],
  _reply: FastifyReply,
  ctx: EmulatorContext,
): unknown {
  if (req.method !== "GET") throw new TeamsAdminError(405, "MethodNotAllowed", "Use GET.");
  settleOperations(tenant);
  if (parts.length >= 3) {
    const u = findUser(tenant, parts[2] ?? "");
    if (!u || !ctx.state.syncedToTeams(tenant, u))
      throw new TeamsAdminError(
        404,
        "NotFound",
        `Management object not found for identity '${parts[2] ?? ""}'.`,
      );
    return onlineUserView(tenant, u);
  }
  return {
    users: [...tenant.users.values()]
      .filter((u) => ctx.state.syncedToTeams(tenant, u))
      .map((u) => onlineUserView(tenant, u)),
  };
}

export function registerTeamsAdminRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.all("/teams-admin/*", async (req, reply) => {
    reply.header("x-ms-correlation-id", String(req.headers["x-ms-correlation-id"] ?? randomUUID()));
    try {
      const { tenant, claims } = await authenticateTeamsAdmin(ctx, req);
      req.emu.tenantId = tenant.id;
      req.emu.clientId = claims.appid ?? null;
      const url = new URL(req.url, "https://x");
      const parts = url.pathname
        .slice("/teams-admin/".length)
        .split("/")
        .filter(Boolean)
        .map((p) => decodeURIComponent(p));
      const [service = "", resource = ""] = parts;
      const s = service.toLowerCase();
      const r = resource.toLowerCase();
      let handler: Handler | undefined;
      // Tenant voice configuration is written through the documented cmdlets (the pwsh stand-in), not here.
      if (s === "teams.user" && r === "users") handler = teamsUsers;
      else if (s === "teams.tenant" && r === "tenants") {
        handler = (t) => ({
          tenantId: t.id,
          displayName: t.displayName,
          verifiedDomains: [...t.domains.values()]
            .filter((d) => d.isVerified)
            .map((d) => ({ name: d.id, status: "Enabled" })),
          serviceDiscovery: serviceDiscovery(baseUrl(req)),
        });
      } else if (s === "teams.tenant" && r === "servicediscovery")
        handler = () => serviceDiscovery(baseUrl(req));
      else if (s === "teams.tenant" && r === "verifiedsipdomains")
        handler = (t) => sipDomains(t, ctx.state.scaled(ctx.state.settings.domainActivationMs));
      else if (
        s === "skype.telephonenumbermgmt" &&
        r === "tenants" &&
        parts[3]?.toLowerCase() === "telephone-numbers"
      ) {
        handler = (t) => numberInventory(t, parts[2] ?? "", url, baseUrl(req));
      }
      if (!handler) throw new TeamsAdminError(404, "NotFound", `No resource at '${url.pathname}'.`);
      const result = await handler(tenant, req, parts, reply, ctx);
      if (reply.statusCode === 204) return reply.send();
      return reply.send(result);
    } catch (e) {
      if (e instanceof TeamsAdminError || e instanceof EmulatorError) {
        return reply.code(e.status).send({ error: { code: e.code, message: e.message } });
      }
      throw e;
    }
  });
}

function serviceDiscovery(base: string) {
  return {
    Endpoints: { ConfigApiEndpoint: `${base}/teams-admin`, AdminServiceEndpoint: `${base}/teams-admin` },
    Headers: { "X-MS-Forest": "emulator" },
  };
}

const ZERO_GUID = "00000000-0000-0000-0000-000000000000";
const pascalEnum = (v: string | null) => (v ? v.charAt(0).toUpperCase() + v.slice(1) : null);

/** S2's inventory call: `GET /Skype.TelephoneNumberMgmt/Tenants/{tid}/telephone-numbers?skip&top`. */
function numberInventory(tenant: Tenant, pathTenant: string, url: URL, base: string): unknown {
  if (pathTenant.toLowerCase() !== tenant.id) {
    throw new TeamsAdminError(403, "Forbidden", "The tenant in the path does not match the token's tenant.");
  }
  settleOperations(tenant);
  const skip = Math.max(0, Number(url.searchParams.get("skip") ?? 0) || 0);
  const top = Math.min(999, Math.max(1, Number(url.searchParams.get("top") ?? 999) || 999));
  const all = [...tenant.numbers.values()];
  const page = all.slice(skip, skip + top).map((n) => ({
    TelephoneNumber: n.telephoneNumber,
    NumberType: pascalEnum(n.numberType),
    ActivationState: pascalEnum(n.activationState),
    TargetId: n.assignmentTargetId ?? ZERO_GUID,
    TargetType: n.assignmentTargetId
      ? n.assignmentStatus === "voiceApplicationAssigned"
        ? "ResourceAccount"
        : "User"
      : null,
    AssignmentCategory: pascalEnum(n.assignmentCategory),
    Capability: n.capabilities.map((c) => pascalEnum(c)),
    City: n.city,
    IsoCountryCode: n.isoCountryCode,
    LocationId: n.locationId ?? ZERO_GUID,
    AcquisitionDate: tenant.createdDateTime,
  }));
  const next = skip + top < all.length ? new URL(url.pathname, base) : null;
  if (next) {
    for (const [k, v] of url.searchParams) next.searchParams.set(k, v);
    next.searchParams.set("skip", String(skip + top));
    next.searchParams.set("top", String(top));
  }
  return { TelephoneNumbers: page, NextLink: next ? next.toString() : null };
}
