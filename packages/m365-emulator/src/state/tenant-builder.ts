import { generateUsers } from "../scenario/generator.js";
import { hashSeed, stableGuid } from "../scenario/random.js";
import type { ParsedScenario, ScenarioTenant } from "../scenario/schema.js";
import {
  GRAPH_APP_ID,
  GRAPH_APP_ROLES,
  resolveRoleTemplate,
  SKU_CATALOG,
  skuByPartNumberOrId,
} from "./catalog.js";
import { badRequest } from "./errors.js";
import type { Domain, RoleAssignment, ServicePrincipal, Tenant, TenantSku } from "./model.js";
import { newNumber } from "./numbers.js";
import { addUser, consumedUnits, isoNow, recomputePlans } from "./users.js";
import { seedVoiceDefaults } from "./voice.js";

/** Builds a tenant's in-memory state from its scenario description (consents are applied by the store). */
export function buildTenant(st: ScenarioTenant): Tenant {
  const id = st.id.toLowerCase();
  const createdAt = Date.UTC(2024, 0, 15, 9, 0, 0);
  const tenant: Tenant = {
    id,
    name: st.name,
    displayName: st.displayName ?? st.name,
    countryLetterCode: st.countryLetterCode,
    defaultUsageLocation: st.defaultUsageLocation ?? null,
    createdDateTime: isoNow(createdAt),
    domains: new Map(),
    skus: [],
    users: new Map(),
    usersByUpn: new Map(),
    deletedUsers: new Map(),
    servicePrincipals: new Map(),
    roleAssignments: new Map(),
    numbers: new Map(),
    operations: new Map(),
    voice: new Map(),
    tenantPolicies: {},
    groupPolicyAssignments: {},
    clockOffsetMs: 0,
    changeSeq: 0,
    changes: [],
    requestLog: [],
    dnsTxt: new Map(),
  };
  st.domains.forEach((d, i) => {
    const spec = typeof d === "string" ? { name: d, verified: true, default: undefined } : d;
    const domain: Domain = {
      id: spec.name.toLowerCase(),
      isVerified: spec.verified,
      isDefault: spec.default ?? i === 0,
      isInitial: spec.name.toLowerCase().includes(".onmicrosoft."),
      authenticationType: "Managed",
      supportedServices: spec.verified ? ["Email", "OfficeCommunicationsOnline"] : [],
      verificationCode: verificationCode(id, spec.name),
      createdAt,
    };
    tenant.domains.set(domain.id, domain);
  });
  for (const s of st.skus) addSku(tenant, s.skuPartNumber, s.units, s.capabilityStatus);
  ensureGraphServicePrincipal(tenant);
  seedVoiceDefaults(tenant, st.pstnUsages);
  addScenarioUsers(tenant, st.users, false);
  if (st.generateUsers && st.generateUsers.count > 0) {
    const domain = [...tenant.domains.values()].find((d) => d.isDefault) ?? [...tenant.domains.values()][0];
    const users = generateUsers(
      domain?.id ?? "example.invalid",
      st.generateUsers.count,
      st.generateUsers.seed ?? hashSeed(id),
      tenant.users.size,
    );
    addScenarioUsers(tenant, users, true);
  }
  for (const n of st.numbers) {
    const num = newNumber(tenant, n.telephoneNumber, n.numberType, {
      city: n.city ?? null,
      isoCountryCode: n.isoCountryCode ?? null,
    });
    tenant.numbers.set(num.telephoneNumber, num);
    if (n.assignedTo) {
      const uid = tenant.usersByUpn.get(n.assignedTo.toLowerCase()) ?? n.assignedTo.toLowerCase();
      const user = tenant.users.get(uid);
      if (!user)
        throw badRequest(`Scenario number ${n.telephoneNumber} is assigned to unknown user ${n.assignedTo}.`);
      num.assignmentTargetId = user.id;
      num.assignmentCategory = "primary";
      num.assignmentStatus = user.isResourceAccount ? "voiceApplicationAssigned" : "userAssigned";
      user.voice.enterpriseVoiceEnabled = true;
    }
  }
  // Scenario-made changes are the baseline, not deltas.
  tenant.changes = [];
  return tenant;
}

export function addSku(
  tenant: Tenant,
  key: string,
  units: number,
  capabilityStatus: TenantSku["capabilityStatus"] = "Enabled",
) {
  const def = skuByPartNumberOrId(key);
  if (!def) {
    throw badRequest(`Unknown SKU '${key}' (known: ${SKU_CATALOG.map((k) => k.skuPartNumber).join(", ")}).`);
  }
  const sku: TenantSku = {
    skuId: def.skuId,
    skuPartNumber: def.skuPartNumber,
    units,
    capabilityStatus,
    subscriptionId: stableGuid(tenant.id, "subscription", def.skuId),
    servicePlans: def.servicePlans.map((p) => ({ ...p })),
  };
  tenant.skus.push(sku);
  return sku;
}

function ensureGraphServicePrincipal(tenant: Tenant): void {
  const sp: ServicePrincipal = {
    id: stableGuid(tenant.id, "sp", GRAPH_APP_ID),
    appId: GRAPH_APP_ID,
    displayName: "Microsoft Graph",
    publisherName: "Microsoft Services",
    appOwnerOrganizationId: "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
    grantedAppRoles: [],
    adminConsentedScopes: [],
    userConsentedScopes: new Map(),
    appRoles: Object.entries(GRAPH_APP_ROLES).map(([value, rid]) => ({
      id: rid,
      value,
      displayName: value,
    })),
    createdDateTime: tenant.createdDateTime,
    consentedAt: null,
  };
  tenant.servicePrincipals.set(sp.id, sp);
}

export function addScenarioUsers(
  tenant: Tenant,
  users: ParsedScenario["tenants"][number]["users"],
  raiseUnits: boolean,
): void {
  const created = isoNow(Date.UTC(2024, 1, 1, 9, 0, 0));
  // Counted once and kept up to date: recounting per assignment is quadratic for generated tenants.
  const used = new Map(tenant.skus.map((s) => [s.skuId, consumedUnits(tenant, s.skuId)]));
  for (const su of users) {
    const user = addUser(tenant, {
      id: su.id ?? stableGuid(tenant.id, "user", su.userPrincipalName.toLowerCase()),
      userPrincipalName: su.userPrincipalName,
      displayName: su.displayName ?? su.userPrincipalName.split("@")[0] ?? su.userPrincipalName,
      accountEnabled: su.accountEnabled,
      password: su.password,
      givenName: su.givenName,
      surname: su.surname,
      jobTitle: su.jobTitle,
      department: su.department,
      usageLocation: su.usageLocation === undefined ? tenant.defaultUsageLocation : su.usageLocation,
      isResourceAccount: su.resourceAccount,
      createdAt: Date.parse(created),
    });
    for (const key of su.licenses) {
      let sku = tenant.skus.find(
        (s) => s.skuPartNumber.toLowerCase() === key.toLowerCase() || s.skuId === key.toLowerCase(),
      );
      if (!sku && raiseUnits) sku = addSku(tenant, key, 0);
      if (!sku)
        throw badRequest(`User ${su.userPrincipalName} references SKU '${key}' the tenant does not have.`);
      const inUse = used.get(sku.skuId) ?? 0;
      if (inUse >= sku.units) {
        if (!raiseUnits)
          throw badRequest(`SKU ${sku.skuPartNumber} has only ${sku.units} units in the scenario.`);
        sku.units = inUse + 1;
      }
      used.set(sku.skuId, inUse + 1);
      user.licenses.push({ skuId: sku.skuId, disabledPlans: [], assignedDateTime: created });
    }
    recomputePlans(tenant, user, created);
    if (su.voicemailEnabled !== undefined) user.voice.voicemail.VoicemailEnabled = su.voicemailEnabled;
    for (const r of su.directoryRoles) assignRoleAtBuild(tenant, user.id, r);
  }
}

function assignRoleAtBuild(tenant: Tenant, userId: string, role: string): void {
  const roleId = resolveRoleTemplate(role);
  if (!roleId) throw badRequest(`Unknown directory role '${role}'.`);
  const ra: RoleAssignment = {
    id: stableGuid(tenant.id, "ra", userId, roleId),
    principalId: userId,
    roleDefinitionId: roleId,
    directoryScopeId: "/",
    effectiveFromMs: 0,
  };
  tenant.roleAssignments.set(ra.id, ra);
  tenant.users.get(userId)?.directoryRoles.push(roleId);
}

function verificationCode(tenantId: string, domain: string): string {
  return `MS=ms${String(hashSeed(`${tenantId}:${domain.toLowerCase()}`) % 100_000_000).padStart(8, "0")}`;
}
