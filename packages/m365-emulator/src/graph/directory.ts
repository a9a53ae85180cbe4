import { resolveRoleTemplate } from "../state/catalog.js";
import type { Domain } from "../state/model.js";
import {
  collection,
  type GraphCall,
  type GraphResult,
  objectBody,
  requirePermission,
  route,
} from "./call.js";
import { resolveTxt } from "./dns.js";
import {
  directoryRoleEntity,
  domainEntity,
  organizationEntity,
  roleAssignmentEntity,
  servicePrincipalEntity,
  skuEntity,
  verificationRecords,
} from "./entities.js";
import { badRequest, resourceNotFound } from "./errors.js";
import { compileFilter } from "./odata-filter.js";
import { parseSelect, project } from "./query.js";

const READ_ORG = [
  "Organization.Read.All",
  "Organization.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];
const READ_DOMAINS = [
  "Domain.Read.All",
  "Domain.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];
const READ_APPS = [
  "Application.Read.All",
  "Application.ReadWrite.All",
  "Directory.Read.All",
  "Directory.ReadWrite.All",
];
const READ_ROLES = [
  "RoleManagement.Read.Directory",
  "RoleManagement.ReadWrite.Directory",
  "Directory.Read.All",
];

function selectable(
  call: GraphCall,
  items: Record<string, unknown>[],
  typeName: string,
): Record<string, unknown>[] {
  const first = items[0];
  if (!first) return items;
  const select = parseSelect(call.query, Object.keys(first), typeName);
  return items.map((i) => project(i, select));
}

function filtered(call: GraphCall, items: Record<string, unknown>[], typeName: string) {
  const f = call.query.get("$filter");
  if (!f) return items;
  const compiled = compileFilter(f, typeName);
  return items.filter((i) => compiled.test(i));
}

function subscribedSkus(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_ORG, "LicenseAssignment.Read.All");
  if (call.query.get("$filter") || call.query.get("$top")) {
    throw badRequest("Only $select is supported on subscribedSkus.", "Request_UnsupportedQuery");
  }
  const items = call.tenant.skus.map((s) => skuEntity(call.tenant, s));
  return {
    status: 200,
    body: collection(call, "subscribedSkus", selectable(call, items, "microsoft.graph.subscribedSku")),
  };
}

function subscribedSku(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_ORG, "LicenseAssignment.Read.All");
  const item = call.tenant.skus.map((s) => skuEntity(call.tenant, s)).find((s) => s.id === call.params.id);
  if (!item) throw resourceNotFound(call.params.id ?? "");
  return {
    status: 200,
    body: { "@odata.context": `${call.base}/$metadata#subscribedSkus/$entity`, ...item },
  };
}

function organization(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_ORG, "User.Read");
  const items = [organizationEntity(call.tenant)];
  if (call.params.id && call.params.id !== call.tenant.id) throw resourceNotFound(call.params.id);
  if (call.params.id) {
    return {
      status: 200,
      body: { "@odata.context": `${call.base}/$metadata#organization/$entity`, ...items[0] },
    };
  }
  return {
    status: 200,
    body: collection(call, "organization", selectable(call, items, "microsoft.graph.organization")),
  };
}

function requireDomain(call: GraphCall): Domain {
  const id = decodeURIComponent(call.params.id ?? "").toLowerCase();
  const d = call.tenant.domains.get(id);
  if (!d) throw resourceNotFound(id);
  return d;
}

function listDomains(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_DOMAINS);
  const items = filtered(call, [...call.tenant.domains.values()].map(domainEntity), "microsoft.graph.domain");
  return {
    status: 200,
    body: collection(call, "domains", selectable(call, items, "microsoft.graph.domain")),
  };
}

function getDomain(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_DOMAINS);
  return {
    status: 200,
    body: {
      "@odata.context": `${call.base}/$metadata#domains/$entity`,
      ...domainEntity(requireDomain(call)),
    },
  };
}

const FQDN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function createDomain(call: GraphCall): GraphResult {
  requirePermission(call, "Domain.ReadWrite.All", "Directory.ReadWrite.All");
  const b = objectBody(call);
  const extra = Object.keys(b).filter((k) => k !== "id");
  if (extra.length > 0)
    throw badRequest(`Property '${extra[0]}' cannot be set when creating a domain; only 'id' is allowed.`);
  const id = String(b.id ?? "").toLowerCase();
  if (!FQDN.test(id)) throw badRequest("Invalid domain name.");
  for (const t of call.ctx.state.tenants.values()) {
    const existing = t.domains.get(id);
    if (existing && (t === call.tenant || existing.isVerified)) {
      throw badRequest(
        "A conflicting object with one or more of the specified property values is present in the directory.",
      );
    }
  }
  const d: Domain = {
    id,
    isVerified: false,
    isDefault: false,
    isInitial: false,
    authenticationType: "Managed",
    supportedServices: [],
    verificationCode: `MS=ms${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`,
    createdAt: Date.now(),
  };
  call.tenant.domains.set(id, d);
  return {
    status: 201,
    body: { "@odata.context": `${call.base}/$metadata#domains/$entity`, ...domainEntity(d) },
  };
}

function verificationDnsRecords(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_DOMAINS);
  const d = requireDomain(call);
  return {
    status: 200,
    body: collection(call, `domains('${d.id}')/verificationDnsRecords`, verificationRecords(d)),
  };
}

async function verifyDomain(call: GraphCall): Promise<GraphResult> {
  requirePermission(call, "Domain.ReadWrite.All", "Directory.ReadWrite.All");
  const d = requireDomain(call);
  if (!d.isVerified) {
    const values = await resolveTxt(call.ctx.state, call.tenant, d.id);
    if (!values.includes(d.verificationCode)) {
      throw badRequest(
        `Domain verification failed. Could not find the TXT record '${d.verificationCode}' for domain '${d.id}'. Wait for DNS propagation and try again.`,
      );
    }
    d.isVerified = true;
  }
  return {
    status: 200,
    body: { "@odata.context": `${call.base}/$metadata#domains/$entity`, ...domainEntity(d) },
  };
}

function deleteDomain(call: GraphCall): GraphResult {
  requirePermission(call, "Domain.ReadWrite.All", "Directory.ReadWrite.All");
  const d = requireDomain(call);
  if (d.isDefault || d.isInitial) throw badRequest("The default or initial domain cannot be deleted.");
  for (const u of call.tenant.users.values()) {
    if (u.userPrincipalName.toLowerCase().endsWith(`@${d.id}`)) {
      throw badRequest(`Domain '${d.id}' is still referenced by user '${u.userPrincipalName}'.`);
    }
  }
  call.tenant.domains.delete(d.id);
  return { status: 204 };
}

/**
 * Graph "List servicePrincipals" (learn.microsoft.com/graph/api/serviceprincipal-list), Permissions table:
 * application permission Application.Read.All, or the higher Application.ReadWrite.OwnedBy,
 * Application.ReadWrite.All, Directory.Read.All. Without one of them Microsoft answers 403, also for an app
 * filtering on its own appId ("Get servicePrincipal" lets a service principal read itself by id, not list).
 */
function listServicePrincipals(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_APPS, "Application.ReadWrite.OwnedBy");
  const items = [...call.tenant.servicePrincipals.values()];
  const entities = filtered(call, items.map(servicePrincipalEntity), "microsoft.graph.servicePrincipal");
  return {
    status: 200,
    body: collection(
      call,
      "servicePrincipals",
      selectable(call, entities, "microsoft.graph.servicePrincipal"),
    ),
  };
}

function getServicePrincipal(call: GraphCall): GraphResult {
  const sp = call.tenant.servicePrincipals.get((call.params.id ?? "").toLowerCase());
  if (!sp) throw resourceNotFound(call.params.id ?? "");
  if (sp.appId !== call.claims.appid) requirePermission(call, ...READ_APPS);
  return {
    status: 200,
    body: {
      "@odata.context": `${call.base}/$metadata#servicePrincipals/$entity`,
      ...servicePrincipalEntity(sp),
    },
  };
}

function listRoleAssignments(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_ROLES);
  const items = filtered(
    call,
    [...call.tenant.roleAssignments.values()].map(roleAssignmentEntity),
    "microsoft.graph.unifiedRoleAssignment",
  );
  return { status: 200, body: collection(call, "roleManagement/directory/roleAssignments", items) };
}

function createRoleAssignment(call: GraphCall): GraphResult {
  requirePermission(call, "RoleManagement.ReadWrite.Directory");
  const b = objectBody(call);
  const principalId = String(b.principalId ?? "");
  const roleDefinitionId = String(b.roleDefinitionId ?? "");
  if (!principalId || !roleDefinitionId) throw badRequest("principalId and roleDefinitionId are required.");
  if (b.directoryScopeId === undefined && b.appScopeId === undefined) {
    throw badRequest("Either directoryScopeId or appScopeId must be specified.");
  }
  if (b.directoryScopeId !== undefined && b.directoryScopeId !== "/") {
    throw badRequest("The emulator supports only the tenant-wide directory scope '/'.");
  }
  if (!resolveRoleTemplate(roleDefinitionId)) throw resourceNotFound(roleDefinitionId);
  // Reaches new tokens only after the propagation delay (REALISTIC_DELAYS.rolePropagationMs).
  const ra = call.ctx.state.assignDirectoryRole(call.tenant.id, principalId, roleDefinitionId, {
    propagates: true,
  });
  return {
    status: 201,
    body: {
      "@odata.context": `${call.base}/$metadata#roleManagement/directory/roleAssignments/$entity`,
      ...roleAssignmentEntity(ra),
    },
  };
}

function deleteRoleAssignment(call: GraphCall): GraphResult {
  requirePermission(call, "RoleManagement.ReadWrite.Directory");
  const ra = call.tenant.roleAssignments.get(call.params.id ?? "");
  if (!ra) throw resourceNotFound(call.params.id ?? "");
  call.tenant.roleAssignments.delete(ra.id);
  const u = call.tenant.users.get(ra.principalId);
  if (u) u.directoryRoles = u.directoryRoles.filter((r) => r !== ra.roleDefinitionId);
  return { status: 204 };
}

function listDirectoryRoles(call: GraphCall): GraphResult {
  requirePermission(call, ...READ_ROLES, "RoleManagement.Read.All");
  const templates = new Set([...call.tenant.roleAssignments.values()].map((ra) => ra.roleDefinitionId));
  const items = [...templates].map((t) => directoryRoleEntity(call.tenant, t));
  return {
    status: 200,
    body: collection(call, "directoryRoles", filtered(call, items, "microsoft.graph.directoryRole")),
  };
}

export const directoryRoutes = [
  route("GET", "/directoryRoles", listDirectoryRoles),
  route("GET", "/subscribedSkus", subscribedSkus),
  route("GET", "/subscribedSkus/{id}", subscribedSku),
  route("GET", "/organization", organization),
  route("GET", "/organization/{id}", organization),
  route("GET", "/domains", listDomains),
  route("POST", "/domains", createDomain),
  route("GET", "/domains/{id}", getDomain),
  route("GET", "/domains({id})", getDomain),
  route("DELETE", "/domains/{id}", deleteDomain),
  route("GET", "/domains/{id}/verificationDnsRecords", verificationDnsRecords),
  route("POST", "/domains/{id}/verify", verifyDomain),
  route("POST", "/domains/{id}/microsoft.graph.verify", verifyDomain),
  route("GET", "/servicePrincipals", listServicePrincipals),
  route("GET", "/servicePrincipals/{id}", getServicePrincipal),
  route("GET", "/roleManagement/directory/roleAssignments", listRoleAssignments),
  route("POST", "/roleManagement/directory/roleAssignments", createRoleAssignment),
  route("DELETE", "/roleManagement/directory/roleAssignments/{id}", deleteRoleAssignment),
];
