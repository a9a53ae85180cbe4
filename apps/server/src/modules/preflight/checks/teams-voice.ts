/** Lines about the tenant's Teams voice configuration: PSTN usage, voice routes and policies, dial plan. */
import { offeredRegions } from "../../direct-routing-setup/index.js";
import { regionObjectName } from "../../teams-profiles/index.js";
import { type Check, type Context, needsConnection, needsProfiles } from "../context.js";
import { missingIdentities, notOk, ok } from "../policies.js";

const setupFix = "Run the Direct Routing setup again (Setup page, Check now); it recreates what is missing.";

export const pstnUsage: Check = async (ctx) => {
  const id = "pstn-usage";
  const label = "PSTN usage";
  if (!ctx.teams) return needsProfiles(id, label);
  if (!ctx.teamsConfig) return needsConnection(id, label);
  const usages = await ctx.teamsConfig.pstnUsages();
  if (missingIdentities(usages, [ctx.teams.pstnUsage]).length > 0)
    return notOk(id, label, "failed", `The PSTN usage ${ctx.teams.pstnUsage} is missing.`, setupFix);
  return ok(id, label, `${ctx.teams.pstnUsage} exists.`);
};

const expectedNames = (ctx: Context) =>
  ctx.teams
    ? offeredRegions({ teams: ctx.teams, regions: ctx.regions }).map((r) =>
        regionObjectName(ctx.teams!.pstnUsage, r.name),
      )
    : [];

export const voiceRoutes: Check = async (ctx) => {
  const id = "voice-routes";
  const label = "Voice routes to the trunk";
  if (!ctx.teams || !ctx.trunk) return needsProfiles(id, label);
  if (!ctx.teamsConfig) return needsConnection(id, label);
  const routes = await ctx.teamsConfig.list("voiceRoute");
  const wanted = expectedNames(ctx);
  const missing = missingIdentities(
    routes.map((r) => r.Identity),
    wanted,
  );
  if (missing.length > 0)
    return notOk(id, label, "failed", `Missing voice routes: ${missing.join(", ")}.`, setupFix);
  const fqdn = ctx.trunk.fqdn.toLowerCase();
  const wrong = routes.filter(
    (r) =>
      missingIdentities([r.Identity], wanted).length === 0 &&
      !((r.OnlinePstnGatewayList as string[] | undefined) ?? []).some(
        (g) => String(g).toLowerCase() === fqdn,
      ),
  );
  if (wrong.length > 0)
    return notOk(
      id,
      label,
      "failed",
      `Voice routes not pointing at ${ctx.trunk.fqdn}: ${wrong.map((r) => r.Identity).join(", ")}.`,
      setupFix,
    );
  return ok(id, label, `${wanted.join(", ")} route to ${ctx.trunk.fqdn}.`);
};

export const voiceRoutingPolicies: Check = async (ctx) => {
  const id = "voice-routing-policies";
  const label = "Voice routing policies";
  if (!ctx.teams) return needsProfiles(id, label);
  if (!ctx.teamsConfig) return needsConnection(id, label);
  const policies = await ctx.teamsConfig.list("voiceRoutingPolicy");
  const missing = missingIdentities(
    policies.map((p) => p.Identity),
    expectedNames(ctx),
  );
  if (missing.length > 0)
    return notOk(id, label, "failed", `Missing voice routing policies: ${missing.join(", ")}.`, setupFix);
  return ok(id, label, `${expectedNames(ctx).join(", ")} exist.`);
};

export const dialPlan: Check = async (ctx) => {
  const id = "dial-plan";
  const label = "Tenant dial plan";
  if (!ctx.teams) return needsProfiles(id, label);
  if (!ctx.teamsConfig) return needsConnection(id, label);
  const plans = await ctx.teamsConfig.list("dialPlan");
  if (
    missingIdentities(
      plans.map((p) => p.Identity),
      [ctx.teams.dialPlanName],
    ).length > 0
  )
    return notOk(id, label, "failed", `The dial plan ${ctx.teams.dialPlanName} is missing.`, setupFix);
  return ok(id, label, `${ctx.teams.dialPlanName} exists.`);
};
