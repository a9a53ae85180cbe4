import { randomInt, randomUUID } from "node:crypto";
import { generateUsers } from "../scenario/generator.js";
import { resolveScenario } from "../scenario/load.js";
import { hashSeed, stableGuid } from "../scenario/random.js";
import type { ParsedScenario, Scenario, ScenarioTenant } from "../scenario/schema.js";
import {
  GRAPH_APP_ID,
  GRAPH_APP_ROLES,
  resolveRoleTemplate,
  SKU_CATALOG,
  skuByPartNumberOrId,
} from "./catalog.js";
import { badRequest, EmulatorError, notFound } from "./errors.js";
import { type FaultConfig, FaultEngine, type FaultInput } from "./faults.js";
import type {
  AppRegistration,
  Domain,
  RequestLogEntry,
  RoleAssignment,
  ServicePrincipal,
  Tenant,
  TenantSku,
  User,
} from "./model.js";
import { newNumber, settleOperations } from "./numbers.js";
import { addUser, consumedUnits, isoNow, recomputePlans, tenantNow } from "./users.js";
import { seedVoiceDefaults } from "./voice.js";

const REQUEST_LOG_LIMIT = 20_000;

export interface EmulatorSettings {
  operationDelayMs: number;
  accessTokenLifetimeSeconds: number;
  teamsSyncDelayMs: number;
  dnsServer?: string;
}

/** Sign-in sessions, pending browser flows, authorization codes and refresh tokens. */
export interface IdentityRuntime {
  sessions: Map<string, { userId: string; tenantId: string; createdAt: number }>;
  flows: Map<string, PendingFlow>;
  codes: Map<string, AuthCode>;
  refreshTokens: Map<string, RefreshGrant>;
}

export interface PendingFlow {
  id: string;
  kind: "authorize" | "adminconsent";
  legacy: boolean;
  tenantSegment: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  nonce: string | null;
  responseMode: "query" | "fragment" | "form_post";
  codeChallenge: string | null;
  codeChallengeMethod: "S256" | "plain" | null;
  prompt: string | null;
  loginHint: string | null;
  userId: string | null;
  tenantId: string | null;
  createdAt: number;
}

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  userId: string;
  tenantId: string;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: "S256" | "plain" | null;
  expiresAt: number;
  used: boolean;
  sessionId: string | null;
}

export interface RefreshGrant {
  clientId: string;
  userId: string;
  tenantId: string;
  scopes: string[];
}

export interface DnsTxtRecord {
  name: string;
  values: string[];
}

/** All emulator state; the control API and in-process tests use these methods. */
export class EmulatorState {
  tenants = new Map<string, Tenant>();
  apps = new Map<string, AppRegistration>();
  settings: EmulatorSettings = {
    operationDelayMs: 50,
    accessTokenLifetimeSeconds: 3599,
    teamsSyncDelayMs: 0,
  };
  faults = new FaultEngine();
  identity: IdentityRuntime = {
    sessions: new Map(),
    flows: new Map(),
    codes: new Map(),
    refreshTokens: new Map(),
  };
  scenarioName = "empty";
  globalLog: RequestLogEntry[] = [];
  private scenario: ParsedScenario | null = null;
  private timers = new Set<NodeJS.Timeout>();

  load(scenario: ParsedScenario): void {
    this.scenario = scenario;
    this.tenants.clear();
    this.apps.clear();
    this.faults.clear();
    this.identity = { sessions: new Map(), flows: new Map(), codes: new Map(), refreshTokens: new Map() };
    this.globalLog = [];
    this.scenarioName = scenario.name;
    const { throttle: _throttle, faults: _faults, ...settings } = scenario.settings;
    this.settings = settings;
    if (scenario.settings.throttle) this.faults.set({ throttle: scenario.settings.throttle });
    if (scenario.settings.faults) this.faults.set(scenario.settings.faults);
    for (const a of scenario.apps) {
      this.apps.set(a.clientId.toLowerCase(), { ...a, clientId: a.clientId.toLowerCase() });
    }
    for (const t of scenario.tenants) this.tenants.set(t.id.toLowerCase(), this.buildTenant(t));
  }

  /** Loads "demo", a .json/.yaml path or a scenario object, replacing all state. */
  loadScenario(input: Scenario | string): void {
    this.load(resolveScenario(input));
  }

  /** Reloads the current scenario from scratch. */
  reset(): void {
    if (this.scenario) this.load(this.scenario);
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Resolves a tenant by GUID, short name, or any of its domains. */
  findTenant(key: string): Tenant | undefined {
    const k = key.toLowerCase();
    const direct = this.tenants.get(k);
    if (direct) return direct;
    for (const t of this.tenants.values()) {
      if (t.name.toLowerCase() === k || t.domains.has(k)) return t;
    }
    return undefined;
  }

  requireTenant(key: string): Tenant {
    const t = this.findTenant(key);
    if (!t) throw new EmulatorError(404, "NotFound", `Tenant '${key}' not found.`);
    return t;
  }

  now(tenantKey: string): number {
    return tenantNow(this.requireTenant(tenantKey));
  }

  advanceClock(tenantKey: string, ms: number): number {
    const t = this.requireTenant(tenantKey);
    t.clockOffsetMs += ms;
    settleOperations(t);
    return tenantNow(t);
  }

  /** Publishes a TXT record used by domain verification when no DNS server is configured. */
  publishDnsTxt(tenantKey: string, name: string, value: string): DnsTxtRecord {
    const t = this.requireTenant(tenantKey);
    const key = name.toLowerCase().replace(/\.$/, "");
    const values = t.dnsTxt.get(key) ?? [];
    if (!values.includes(value)) values.push(value);
    t.dnsTxt.set(key, values);
    return { name: key, values };
  }

  removeDnsTxt(tenantKey: string, name: string): void {
    this.requireTenant(tenantKey).dnsTxt.delete(name.toLowerCase().replace(/\.$/, ""));
  }

  setFaults(input: FaultInput): FaultConfig {
    return this.faults.set(input);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  requests(tenantKey: string): RequestLogEntry[] {
    return this.requireTenant(tenantKey).requestLog;
  }

  clearRequests(tenantKey: string): void {
    this.requireTenant(tenantKey).requestLog = [];
  }

  logRequest(tenantId: string | null, entry: RequestLogEntry): void {
    const t = tenantId ? this.tenants.get(tenantId) : undefined;
    const log = t ? t.requestLog : this.globalLog;
    log.push(entry);
    if (log.length > REQUEST_LOG_LIMIT) log.splice(0, log.length - REQUEST_LOG_LIMIT);
  }

  /** Schedules settling of a tenant's async operations when their due time passes. */
  scheduleSettle(tenant: Tenant, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      settleOperations(tenant);
    }, delayMs + 1);
    timer.unref();
    this.timers.add(timer);
  }

  /** Users reach the Teams side only `teamsSyncDelayMs` after creation (tenant clock). */
  syncedToTeams(tenant: Tenant, user: User): boolean {
    const delay = this.settings.teamsSyncDelayMs;
    return delay <= 0 || tenantNow(tenant) - Date.parse(user.createdDateTime) >= delay;
  }

  servicePrincipalFor(tenant: Tenant, appId: string): ServicePrincipal | undefined {
    for (const sp of tenant.servicePrincipals.values()) if (sp.appId === appId.toLowerCase()) return sp;
    return undefined;
  }

  /** Admin consent: creates the app's service principal and grants its application permissions. */
  grantAdminConsent(tenantKey: string, clientId: string): ServicePrincipal {
    const tenant = this.requireTenant(tenantKey);
    const app = this.apps.get(clientId.toLowerCase());
    if (!app) throw notFound(clientId);
    const sp = this.ensureServicePrincipal(tenant, app);
    sp.grantedAppRoles = [...new Set([...sp.grantedAppRoles, ...app.applicationPermissions])];
    sp.adminConsentedScopes = [...new Set([...sp.adminConsentedScopes, ...app.delegatedPermissions])];
    sp.consentedAt = tenantNow(tenant);
    return sp;
  }

  /** Removes the app's service principal (and its role assignments) from a tenant, like deleting the enterprise app. */
  revokeConsent(tenantKey: string, clientId: string): void {
    const tenant = this.requireTenant(tenantKey);
    const sp = this.servicePrincipalFor(tenant, clientId);
    if (!sp) throw notFound(clientId);
    tenant.servicePrincipals.delete(sp.id);
    for (const ra of [...tenant.roleAssignments.values()]) {
      if (ra.principalId === sp.id) tenant.roleAssignments.delete(ra.id);
    }
  }

  ensureServicePrincipal(tenant: Tenant, app: AppRegistration): ServicePrincipal {
    const existing = this.servicePrincipalFor(tenant, app.clientId);
    if (existing) return existing;
    const sp: ServicePrincipal = {
      id: stableGuid(tenant.id, "sp", app.clientId),
      appId: app.clientId,
      displayName: app.displayName,
      publisherName: app.publisher,
      appOwnerOrganizationId: app.homeTenantId,
      grantedAppRoles: [],
      adminConsentedScopes: [],
      userConsentedScopes: new Map(),
      appRoles: [],
      createdDateTime: isoNow(tenantNow(tenant)),
      consentedAt: null,
    };
    tenant.servicePrincipals.set(sp.id, sp);
    return sp;
  }

  /** Gives a principal (user or service principal) a directory role, like POST roleAssignments. */
  assignDirectoryRole(tenantKey: string, principalId: string, roleTemplate: string): RoleAssignment {
    const tenant = this.requireTenant(tenantKey);
    const roleId = resolveRoleTemplate(roleTemplate);
    if (!roleId) throw badRequest(`Invalid role definition id '${roleTemplate}'.`);
    const pid = principalId.toLowerCase();
    const user = tenant.users.get(pid);
    if (!user && !tenant.servicePrincipals.has(pid)) throw notFound(principalId);
    for (const ra of tenant.roleAssignments.values()) {
      if (ra.principalId === pid && ra.roleDefinitionId === roleId) {
        throw badRequest(
          "A conflicting object with one or more of the specified property values is present in the directory.",
        );
      }
    }
    const ra: RoleAssignment = {
      id: `${randomUUID().replace(/-/g, "").slice(0, 22)}-${randomInt(1, 9)}`,
      principalId: pid,
      roleDefinitionId: roleId,
      directoryScopeId: "/",
    };
    tenant.roleAssignments.set(ra.id, ra);
    if (user && !user.directoryRoles.includes(roleId)) user.directoryRoles.push(roleId);
    return ra;
  }

  directoryRolesOf(tenant: Tenant, principalId: string): string[] {
    const out = new Set<string>();
    for (const ra of tenant.roleAssignments.values())
      if (ra.principalId === principalId) out.add(ra.roleDefinitionId);
    return [...out];
  }

  /** Adds `count` generated users (see GENERATED_USER_MIX), raising SKU units to fit. */
  generateUsers(tenantKey: string, count: number, seed?: number): number {
    const tenant = this.requireTenant(tenantKey);
    const domain = [...tenant.domains.values()].find((d) => d.isDefault) ?? [...tenant.domains.values()][0];
    if (!domain) throw badRequest("Tenant has no domain.");
    const start = tenant.users.size + tenant.deletedUsers.size;
    const users = generateUsers(domain.id, count, seed ?? hashSeed(`${tenant.id}:${start}`), start);
    this.addScenarioUsers(tenant, users, true);
    return tenant.users.size;
  }

  summary(tenantOrKey: Tenant | string) {
    const tenant = typeof tenantOrKey === "string" ? this.requireTenant(tenantOrKey) : tenantOrKey;
    settleOperations(tenant);
    return {
      id: tenant.id,
      name: tenant.name,
      displayName: tenant.displayName,
      clock: isoNow(tenantNow(tenant)),
      clockOffsetMs: tenant.clockOffsetMs,
      domains: [...tenant.domains.values()].map(({ id, isVerified, isDefault, verificationCode }) => ({
        id,
        isVerified,
        isDefault,
        verificationCode,
      })),
      dnsTxt: Object.fromEntries(tenant.dnsTxt),
      skus: tenant.skus.map((s) => ({
        skuId: s.skuId,
        skuPartNumber: s.skuPartNumber,
        units: s.units,
        consumed: consumedUnits(tenant, s.skuId),
      })),
      users: [...tenant.users.values()].map((u) => ({
        id: u.id,
        userPrincipalName: u.userPrincipalName,
        displayName: u.displayName,
        accountEnabled: u.accountEnabled,
        usageLocation: u.usageLocation,
        licenses: u.licenses.map(
          (l) => tenant.skus.find((s) => s.skuId === l.skuId)?.skuPartNumber ?? l.skuId,
        ),
        directoryRoles: u.directoryRoles,
        isResourceAccount: u.isResourceAccount,
        voice: u.voice,
      })),
      deletedUsers: [...tenant.deletedUsers.values()].map((u) => ({
        id: u.id,
        userPrincipalName: u.userPrincipalName,
      })),
      servicePrincipals: [...tenant.servicePrincipals.values()].map((sp) => ({
        id: sp.id,
        appId: sp.appId,
        displayName: sp.displayName,
        grantedAppRoles: sp.grantedAppRoles,
        adminConsentedScopes: sp.adminConsentedScopes,
        userConsents: Object.fromEntries(sp.userConsentedScopes),
        directoryRoles: this.directoryRolesOf(tenant, sp.id),
        consentedAt: sp.consentedAt ? isoNow(sp.consentedAt) : null,
      })),
      roleAssignments: [...tenant.roleAssignments.values()],
      numbers: [...tenant.numbers.values()],
      operations: [...tenant.operations.values()],
      voice: Object.fromEntries([...tenant.voice].map(([type, m]) => [type, [...m.values()]])),
      tenantPolicies: tenant.tenantPolicies,
      requestCount: tenant.requestLog.length,
    };
  }

  private buildTenant(st: ScenarioTenant): Tenant {
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
    for (const s of st.skus) this.addSku(tenant, s.skuPartNumber, s.units, s.capabilityStatus);
    this.ensureGraphServicePrincipal(tenant);
    seedVoiceDefaults(tenant, st.pstnUsages);
    this.addScenarioUsers(tenant, st.users, false);
    if (st.generateUsers && st.generateUsers.count > 0) {
      const domain = [...tenant.domains.values()].find((d) => d.isDefault) ?? [...tenant.domains.values()][0];
      const users = generateUsers(
        domain?.id ?? "example.invalid",
        st.generateUsers.count,
        st.generateUsers.seed ?? hashSeed(id),
        tenant.users.size,
      );
      this.addScenarioUsers(tenant, users, true);
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
          throw badRequest(
            `Scenario number ${n.telephoneNumber} is assigned to unknown user ${n.assignedTo}.`,
          );
        num.assignmentTargetId = user.id;
        num.assignmentCategory = "primary";
        num.assignmentStatus = user.isResourceAccount ? "voiceApplicationAssigned" : "userAssigned";
        user.voice.enterpriseVoiceEnabled = true;
      }
    }
    // Scenario-made changes are the baseline, not deltas.
    tenant.changes = [];
    this.tenants.set(id, tenant);
    for (const c of st.consents) {
      const sp = this.grantAdminConsent(id, c.clientId);
      for (const r of c.directoryRoles) this.assignDirectoryRole(id, sp.id, r);
    }
    return tenant;
  }

  private addSku(
    tenant: Tenant,
    key: string,
    units: number,
    capabilityStatus: TenantSku["capabilityStatus"] = "Enabled",
  ) {
    const def = skuByPartNumberOrId(key);
    if (!def) {
      throw badRequest(
        `Unknown SKU '${key}' (known: ${SKU_CATALOG.map((k) => k.skuPartNumber).join(", ")}).`,
      );
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

  private ensureGraphServicePrincipal(tenant: Tenant): void {
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

  private addScenarioUsers(
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
        if (!sku && raiseUnits) sku = this.addSku(tenant, key, 0);
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
      for (const r of su.directoryRoles) this.assignRoleAtBuild(tenant, user.id, r);
    }
  }

  private assignRoleAtBuild(tenant: Tenant, userId: string, role: string): void {
    const roleId = resolveRoleTemplate(role);
    if (!roleId) throw badRequest(`Unknown directory role '${role}'.`);
    const ra: RoleAssignment = {
      id: stableGuid(tenant.id, "ra", userId, roleId),
      principalId: userId,
      roleDefinitionId: roleId,
      directoryScopeId: "/",
    };
    tenant.roleAssignments.set(ra.id, ra);
    tenant.users.get(userId)?.directoryRoles.push(roleId);
  }
}

function verificationCode(tenantId: string, domain: string): string {
  return `MS=ms${String(hashSeed(`${tenantId}:${domain.toLowerCase()}`) % 100_000_000).padStart(8, "0")}`;
}
