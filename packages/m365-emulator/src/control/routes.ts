import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { baseUrl, type EmulatorContext } from "../context.js";
import { authenticateBearer } from "../graph/routes.js";
import { RESOURCE_AUDIENCE } from "../identity/tokens.js";
import { bindCommand, PsError, type PsRequest } from "../pwsh/cmdlets.js";
import { executeCmdlet } from "../pwsh/executor.js";
import { resolveScenario } from "../scenario/load.js";
import { TEAMS_ADMIN_ROLES } from "../state/catalog.js";
import { EmulatorError } from "../state/errors.js";
import { authenticateTeamsAdmin, TeamsAdminError } from "../teams-admin/routes.js";
import { controlPage } from "./page.js";

type TidReq = FastifyRequest<{ Params: { tid: string } }>;

function fail(reply: FastifyReply, e: unknown) {
  if (e instanceof z.ZodError)
    return reply.code(400).send({ error: { code: "BadRequest", message: z.prettifyError(e) } });
  if (e instanceof EmulatorError || e instanceof TeamsAdminError) {
    return reply.code(e.status).send({ error: { code: e.code, message: e.message } });
  }
  if (e instanceof Error) return reply.code(400).send({ error: { code: "BadRequest", message: e.message } });
  throw e;
}

const clockSchema = z.object({ advanceSeconds: z.number().optional(), advanceMs: z.number().optional() });
const dnsSchema = z.object({
  name: z.string().min(1),
  value: z.string().min(1),
  type: z.literal("TXT").optional(),
});
const consentSchema = z.object({ clientId: z.string(), directoryRoles: z.array(z.string()).default([]) });
const settingsSchema = z.object({
  operationDelayMs: z.number().int().nonnegative().optional(),
  accessTokenLifetimeSeconds: z.number().int().positive().optional(),
  teamsSyncDelayMs: z.number().int().nonnegative().optional(),
  dnsServer: z.string().nullable().optional(),
  timeFactor: z.number().nonnegative().optional(),
  rolePropagationMs: z.number().int().nonnegative().optional(),
  domainActivationMs: z.number().int().nonnegative().optional(),
  teamsProvisioningMs: z.number().int().nonnegative().optional(),
});
const generateSchema = z.object({
  count: z.number().int().positive().max(500_000),
  seed: z.number().int().optional(),
});

export function registerControlRoutes(
  app: FastifyInstance,
  ctx: EmulatorContext,
  opts: { pwshStandIn: boolean },
): void {
  const state = ctx.state;
  const guard = <R extends FastifyRequest>(fn: (req: R, reply: FastifyReply) => unknown) => {
    return async (req: R, reply: FastifyReply) => {
      try {
        return await fn(req, reply);
      } catch (e) {
        return fail(reply, e);
      }
    };
  };

  app.get("/_emulator", async (req, reply) =>
    reply.type("text/html; charset=utf-8").send(controlPage(state, baseUrl(req))),
  );
  app.get("/_emulator/ca.pem", async (_req, reply) =>
    reply.type("application/x-pem-file").send(ctx.caCertPem),
  );
  app.get("/_emulator/scenario", async () => ({
    name: state.scenarioName,
    settings: state.settings,
    apps: [...state.apps.values()].map((a) => ({ clientId: a.clientId, displayName: a.displayName })),
    tenants: [...state.tenants.values()].map((t) => ({ id: t.id, name: t.name })),
  }));
  app.post(
    "/_emulator/scenario",
    guard(async (req: FastifyRequest<{ Body: Record<string, unknown> | undefined }>) => {
      const b = req.body ?? {};
      const input = b.scenario ?? b.path ?? (b.name === "demo" ? "demo" : b.tenants || b.apps ? b : "demo");
      state.load(resolveScenario(input as string));
      return { name: state.scenarioName, tenants: [...state.tenants.keys()] };
    }),
  );
  app.post("/_emulator/reset", async () => {
    state.reset();
    return { name: state.scenarioName, tenants: [...state.tenants.keys()] };
  });
  app.get("/_emulator/tenants", async () =>
    [...state.tenants.values()].map((t) => ({
      id: t.id,
      name: t.name,
      displayName: t.displayName,
      domains: [...t.domains.keys()],
      users: t.users.size,
    })),
  );
  app.get(
    "/_emulator/tenants/:tid",
    guard(async (req: TidReq) => state.summary(state.requireTenant(req.params.tid))),
  );
  app.get(
    "/_emulator/tenants/:tid/requests",
    guard(
      async (
        req: FastifyRequest<{ Params: { tid: string }; Querystring: Record<string, string | undefined> }>,
      ) => {
        const { surface, method, path } = req.query;
        return state
          .requests(req.params.tid)
          .filter(
            (e) =>
              (!surface || e.surface === surface) &&
              (!method || e.method === method.toUpperCase()) &&
              (!path || e.path.includes(path)),
          );
      },
    ),
  );
  app.delete(
    "/_emulator/tenants/:tid/requests",
    guard(async (req: TidReq, reply) => {
      state.clearRequests(req.params.tid);
      return reply.code(204).send();
    }),
  );
  app.get("/_emulator/requests", async () => state.globalLog);
  app.get("/_emulator/faults", async () => state.faults.config);
  app.post(
    "/_emulator/faults",
    guard(async (req: FastifyRequest<{ Body: unknown }>) => state.setFaults((req.body ?? {}) as object)),
  );
  app.delete("/_emulator/faults", async (_req, reply) => {
    state.clearFaults();
    return reply.code(204).send();
  });
  app.post(
    "/_emulator/tenants/:tid/clock",
    guard(async (req: FastifyRequest<{ Params: { tid: string }; Body: unknown }>) => {
      const b = clockSchema.parse(req.body ?? {});
      const now = state.advanceClock(req.params.tid, (b.advanceMs ?? 0) + (b.advanceSeconds ?? 0) * 1000);
      return { now: new Date(now).toISOString() };
    }),
  );
  app.post(
    "/_emulator/tenants/:tid/dns",
    guard(async (req: FastifyRequest<{ Params: { tid: string }; Body: unknown }>) => {
      const b = dnsSchema.parse(req.body ?? {});
      return state.publishDnsTxt(req.params.tid, b.name, b.value);
    }),
  );
  app.post(
    "/_emulator/tenants/:tid/consent",
    guard(async (req: FastifyRequest<{ Params: { tid: string }; Body: unknown }>) => {
      const b = consentSchema.parse(req.body ?? {});
      const sp = state.grantAdminConsent(req.params.tid, b.clientId);
      for (const r of b.directoryRoles) state.assignDirectoryRole(req.params.tid, sp.id, r);
      return { servicePrincipalId: sp.id, grantedAppRoles: sp.grantedAppRoles };
    }),
  );
  app.delete(
    "/_emulator/tenants/:tid/consent/:clientId",
    guard(async (req: FastifyRequest<{ Params: { tid: string; clientId: string } }>, reply) => {
      state.revokeConsent(req.params.tid, req.params.clientId);
      return reply.code(204).send();
    }),
  );
  app.get("/_emulator/settings", async () => state.settings);
  app.post(
    "/_emulator/settings",
    guard(async (req: FastifyRequest<{ Body: unknown }>) => {
      const b = settingsSchema.parse(req.body ?? {});
      if (b.operationDelayMs !== undefined) state.settings.operationDelayMs = b.operationDelayMs;
      if (b.accessTokenLifetimeSeconds !== undefined)
        state.settings.accessTokenLifetimeSeconds = b.accessTokenLifetimeSeconds;
      if (b.teamsSyncDelayMs !== undefined) state.settings.teamsSyncDelayMs = b.teamsSyncDelayMs;
      if (b.dnsServer !== undefined) state.settings.dnsServer = b.dnsServer ?? undefined;
      if (b.timeFactor !== undefined) state.settings.timeFactor = b.timeFactor;
      if (b.rolePropagationMs !== undefined) state.settings.rolePropagationMs = b.rolePropagationMs;
      if (b.domainActivationMs !== undefined) state.settings.domainActivationMs = b.domainActivationMs;
      if (b.teamsProvisioningMs !== undefined) state.settings.teamsProvisioningMs = b.teamsProvisioningMs;
      return state.settings;
    }),
  );
  app.post(
    "/_emulator/tenants/:tid/users/generate",
    guard(async (req: FastifyRequest<{ Params: { tid: string }; Body: unknown }>) => {
      const b = generateSchema.parse(req.body ?? {});
      return { users: state.generateUsers(req.params.tid, b.count, b.seed) };
    }),
  );

  if (!opts.pwshStandIn) return;

  /** Connect-MicrosoftTeams -AccessTokens: validates the Graph and Teams tokens (either order). */
  app.post(
    "/_emulator/pwsh/connect",
    async (req: FastifyRequest<{ Body: { accessTokens?: unknown } }>, reply) => {
      const tokens = Array.isArray(req.body?.accessTokens)
        ? (req.body.accessTokens as unknown[]).map(String)
        : [];
      if (tokens.length !== 2) {
        return reply.code(400).send({
          error: {
            code: "InvalidArgument",
            message: "AccessTokens must contain a Microsoft Graph token and a Teams admin token.",
          },
        });
      }
      const results = await Promise.all(
        tokens.map(async (t) => {
          const fake = { headers: { authorization: `Bearer ${t}` } } as FastifyRequest;
          try {
            return {
              ok: true as const,
              ...(await authenticateBearer(ctx, fake, Object.values(RESOURCE_AUDIENCE))),
            };
          } catch (e) {
            return { ok: false as const, message: e instanceof Error ? e.message : String(e) };
          }
        }),
      );
      const bad = results.find((r) => !r.ok);
      if (bad && !bad.ok)
        return reply.code(401).send({ error: { code: "Unauthorized", message: bad.message } });
      const valid = results.filter((r) => r.ok);
      const graph = valid.find((r) => r.claims.aud === RESOURCE_AUDIENCE.graph);
      const teams = valid.find((r) => r.claims.aud === RESOURCE_AUDIENCE.teams);
      if (!graph || !teams) {
        return reply.code(400).send({
          error: {
            code: "InvalidArgument",
            message: "AccessTokens must contain one Microsoft Graph token and one Teams admin token.",
          },
        });
      }
      if (graph.tenant.id !== teams.tenant.id) {
        return reply.code(400).send({
          error: { code: "InvalidArgument", message: "Both tokens must be issued for the same tenant." },
        });
      }
      req.emu.surface = "pwsh";
      req.emu.tenantId = teams.tenant.id;
      req.emu.clientId = teams.claims.appid ?? null;
      req.emu.logBody = { accessTokens: ["***", "***"] };
      const roles = teams.claims.wids ?? [];
      if (!roles.some((w) => TEAMS_ADMIN_ROLES.includes(w))) {
        return reply.code(403).send({
          error: {
            code: "Forbidden",
            message: "The application does not have a Teams administrator role in this tenant.",
          },
        });
      }
      const domain = [...teams.tenant.domains.values()].find((d) => d.isDefault);
      return {
        Account: teams.claims.appid,
        Environment: "AzureCloud",
        Tenant: teams.tenant.id,
        TenantId: teams.tenant.id,
        TenantDomain: domain?.id ?? null,
      };
    },
  );

  /** One cmdlet of the stand-in: `{cmdlet, parameters}`, the cmdlet also in the path (request log, fault rules). */
  app.post(
    "/_emulator/pwsh/invoke/:cmdlet",
    async (
      req: FastifyRequest<{ Params: { cmdlet: string }; Body: Partial<PsRequest> | undefined }>,
      reply,
    ) => {
      try {
        const { tenant, claims } = await authenticateTeamsAdmin(ctx, req);
        req.emu.tenantId = tenant.id;
        req.emu.clientId = claims.appid ?? null;
        const body = req.body ?? {};
        if (typeof body.cmdlet !== "string" || body.cmdlet !== req.params.cmdlet)
          return reply.code(400).send({
            ok: false,
            error: { type: "ArgumentException", message: "The body's cmdlet must match the path." },
          });
        const bound = bindCommand({ cmdlet: body.cmdlet, parameters: body.parameters ?? {} });
        return { ok: true, output: executeCmdlet(ctx, tenant, bound) ?? null };
      } catch (e) {
        if (e instanceof PsError) return { ok: false, error: e.record };
        if (e instanceof TeamsAdminError) {
          return reply
            .code(e.status)
            .send({ ok: false, error: { type: "UnauthorizedAccessException", message: e.message } });
        }
        throw e;
      }
    },
  );
}
