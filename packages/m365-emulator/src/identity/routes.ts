import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { baseUrl, type EmulatorContext, hostOf } from "../context.js";
import { openIdConfiguration, resolveAuthorityTenant } from "./authority.js";
import { consentHandler, logoutHandler, signInHandler, startFlow } from "./browser-flow.js";
import { StsError, stsError } from "./sts-errors.js";
import { tokenHandler } from "./token-endpoint.js";
import { v1Issuer } from "./tokens.js";

type TenantReq = FastifyRequest<{ Params: { tenant: string } }>;

export function registerIdentityRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const discovery = async (req: FastifyRequest<{ Querystring: { authorization_endpoint?: string } }>) => {
    req.emu.surface = "login";
    const base = baseUrl(req);
    const host = hostOf(req);
    return {
      tenant_discovery_endpoint: `${base}/{tenant}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  };
  app.get("/common/discovery/instance", discovery);
  app.get("/:tenant/discovery/instance", discovery);

  const oidc = (version: "v1" | "v2") => async (req: TenantReq, reply: FastifyReply) => {
    req.emu.surface = "login";
    try {
      const tenant = resolveAuthorityTenant(ctx.state, req.params.tenant);
      req.emu.tenantId = tenant?.id ?? null;
      const config = openIdConfiguration(baseUrl(req), req.params.tenant, tenant);
      // The v1 document (/{tenant}/.well-known/openid-configuration) names the v1 issuer, the one v1 tokens
      // carry: "Microsoft identity platform ID tokens" / OpenID Connect metadata, `https://sts.windows.net/{tid}/`.
      if (version === "v1") return { ...config, issuer: v1Issuer(tenant ? tenant.id : "{tenantid}") };
      return config;
    } catch (e) {
      if (e instanceof StsError)
        return reply.code(e.status).send(stsError(hostOf(req), e.error, e.code, e.message));
      throw e;
    }
  };
  app.get("/:tenant/v2.0/.well-known/openid-configuration", oidc("v2"));
  app.get("/:tenant/.well-known/openid-configuration", oidc("v1"));

  const keys = async (req: TenantReq) => {
    req.emu.surface = "login";
    return { keys: [ctx.signingKey.jwk] };
  };
  app.get("/:tenant/discovery/v2.0/keys", keys);
  app.get("/:tenant/discovery/keys", keys);

  app.get("/:tenant/oauth2/v2.0/authorize", startFlow(ctx, "authorize", false));
  app.get("/:tenant/v2.0/adminconsent", startFlow(ctx, "adminconsent", false));
  app.get("/:tenant/adminconsent", startFlow(ctx, "adminconsent", true));
  app.post("/:tenant/login", signInHandler(ctx));
  app.post("/:tenant/consent", consentHandler(ctx));
  app.get("/:tenant/consent", consentHandler(ctx));
  app.post("/:tenant/oauth2/v2.0/token", tokenHandler(ctx));
  app.get("/:tenant/oauth2/v2.0/logout", logoutHandler(ctx));
}
