/** Lines about the enterprise's Microsoft 365 tenant: consent, the app's role, the trunk subdomain, its activation. */
import { activationUpn } from "../../direct-routing-setup/index.js";
import { TEAMS_ADMINISTRATOR_ROLE } from "../../microsoft/index.js";
import { type Check, CONNECT_FIX, needsConnection, needsProfiles } from "../context.js";
import { activationLicenceFinding, missingAppRoles, notOk, ok } from "../policies.js";

export const consent: Check = async (ctx) => {
  const id = "consent";
  const label = "Consent and the app's permissions";
  if (!ctx.tenantId)
    return notOk(id, label, "failed", "The enterprise is not connected to Microsoft Teams.", CONNECT_FIX);
  const claims = await (await ctx.deps.microsoft.tenant(ctx.tenantId)).identity.appTokenClaims();
  const roles = claims.roles ?? [];
  const missing = missingAppRoles(roles);
  if (missing.length > 0)
    return notOk(
      id,
      label,
      "failed",
      `The tenant has not granted the app: ${missing.join(", ")}.`,
      `Ask the customer's Global Admin to connect again (Authorization page, Connect to Microsoft Teams) so that the new permissions are accepted.`,
    );
  return ok(id, label, `Admin consent present; the app holds ${roles.length} application permissions.`);
};

export const teamsAdministrator: Check = async (ctx) => {
  const id = "teams-administrator";
  const label = "Teams Administrator role of the app";
  if (!ctx.graph) return needsConnection(id, label);
  const spId = await ctx.graph.servicePrincipalId(ctx.settings.microsoft.clientId ?? "");
  if (!spId)
    return notOk(id, label, "failed", "The app has no service principal in the tenant.", CONNECT_FIX);
  const assignments = await ctx.graph.roleAssignments(spId);
  if (!assignments.some((a) => a.roleDefinitionId === TEAMS_ADMINISTRATOR_ROLE))
    return notOk(
      id,
      label,
      "failed",
      "The app's service principal does not hold the Teams Administrator role, so the Teams PowerShell cmdlets are refused.",
      "Run the Direct Routing setup again (it assigns the role), or in Entra ID assign Teams Administrator to the app's enterprise application.",
    );
  return ok(id, label, "The app's service principal holds Teams Administrator.");
};

export const domain: Check = async (ctx) => {
  const id = "domain";
  const label = "Trunk subdomain verified";
  if (!ctx.trunk) return needsProfiles(id, label);
  if (!ctx.graph) return needsConnection(id, label);
  const found = await ctx.graph.getDomain(ctx.trunk.fqdn);
  if (!found)
    return notOk(
      id,
      label,
      "failed",
      `${ctx.trunk.fqdn} is not a domain of the tenant.`,
      "Run the Direct Routing setup (Setup page); it adds and verifies the subdomain.",
    );
  if (!found.isVerified)
    return notOk(
      id,
      label,
      "waiting",
      `${ctx.trunk.fqdn} is added but not verified yet.`,
      "Publish the TXT record shown on the Setup page, then click Verify.",
    );
  return ok(id, label, `${ctx.trunk.fqdn} is verified in the tenant.`);
};

export const activationAccount: Check = async (ctx) => {
  const id = "activation-account";
  const label = "Activation account licensed (activates the subdomain)";
  if (!ctx.trunk) return needsProfiles(id, label);
  if (!ctx.graph) return needsConnection(id, label);
  const upn = activationUpn(ctx.trunk.fqdn);
  const user = await ctx.graph.getUser(upn);
  if (!user)
    return notOk(
      id,
      label,
      "failed",
      `The activation account ${upn} does not exist, so Microsoft cannot activate the subdomain.`,
      "Run the Direct Routing setup (Setup page); it creates and licenses the activation account.",
    );
  const skus = await ctx.graph.subscribedSkus();
  const partOf = (skuId: string) =>
    skus.find((s) => s.skuId.toLowerCase() === skuId.toLowerCase())?.skuPartNumber ?? skuId;
  const finding = activationLicenceFinding((user.assignedLicenses ?? []).map((l) => partOf(l.skuId)));
  if (finding.status === "ok") return ok(id, label, `${upn}: ${finding.detail}`);
  return notOk(
    id,
    label,
    finding.status,
    `${upn}: ${finding.detail}`,
    "Assign the activation account a licence that includes Teams (Office 365 or Microsoft 365 E/A/F/G, a Business plan, or Teams Shared Devices), then wait for Microsoft to activate the subdomain (up to 24 hours).",
  );
};
