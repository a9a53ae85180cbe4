import { randomInt, randomUUID } from "node:crypto";
import { generateUsers } from "../scenario/generator.js";
import { resolveScenario } from "../scenario/load.js";
import { hashSeed, stableGuid } from "../scenario/random.js";
import type { ParsedScenario, Scenario } from "../scenario/schema.js";
import { resolveRoleTemplate } from "./catalog.js";
import { badRequest, EmulatorError, notFound } from "./errors.js";
import { type FaultConfig, FaultEngine, type FaultInput } from "./faults.js";
import type {
  AppRegistration,
  RequestLogEntry,
  RoleAssignment,
  ServicePrincipal,
  Tenant,
  User,
} from "./model.js";
import { settleOperations } from "./numbers.js";
import { addScenarioUsers, buildTenant } from "./tenant-builder.js";
import { consumedUnits, isoNow, tenantNow } from "./users.js";

const REQUEST_LOG_LIMIT = 20_000;

export interface EmulatorSettings {
  /** Unscaled: how long a number assignment operation runs before it settles. */
  operationDelayMs: number;
  /** A lifetime, not a delay: not scaled (tests expire tokens by advancing the tenant clock). */
  accessTokenLifetimeSeconds: number;
  /** Unscaled: how long a new user takes to reach the Teams side. */
  teamsSyncDelayMs: number;
  dnsServer?: string;
  /**
   * Scales every realistic Microsoft delay below (1 = as on Microsoft; 0.001 = a thousand times faster). Tests and
   * `npm start` scale; the default is Microsoft's pace. Env M365_EMULATOR_TIME_FACTOR sets it at start.
   */
  timeFactor: number;
  /** Unscaled: how long after a directory role is assigned over Graph new app-only tokens still lack it. */
  rolePropagationMs: number;
  /** Unscaled: how long after a user in a subdomain got a Teams licence the subdomain is activated. */
  domainActivationMs: number;
  /** Unscaled: how long after its Teams Phone licence a user can get a number. */
  teamsProvisioningMs: number;
}

/** The realistic delays (before `timeFactor`), with where they come from. */
export const REALISTIC_DELAYS = {
  // "Application-based authentication in Teams PowerShell Module" (learn.microsoft.com/microsoftteams/
  // teams-powershell-application-authentication) has the app's service principal given the Teams Administrator
  // role before Connect-MicrosoftTeams; Microsoft publishes no figure for when new tokens carry it (`wids`), and
  // in practice it is minutes. We model 5 minutes.
  rolePropagationMs: 5 * 60_000,
  // "Configure a Session Border Controller for multiple tenants": activation "can take up to 24 hours"; we model
  // one hour.
  domainActivationMs: 60 * 60_000,
  // Teams provisioning of a newly licensed user: "typically under 30 minutes, up to 24 hours". We model 30 minutes.
  teamsProvisioningMs: 30 * 60_000,
} as const;

export function envTimeFactor(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.M365_EMULATOR_TIME_FACTOR;
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error("M365_EMULATOR_TIME_FACTOR must be a number >= 0.");
  return value;
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
    timeFactor: 1,
    rolePropagationMs: REALISTIC_DELAYS.rolePropagationMs,
    domainActivationMs: REALISTIC_DELAYS.domainActivationMs,
    teamsProvisioningMs: REALISTIC_DELAYS.teamsProvisioningMs,
  };
  /** A time factor given at start (option or env) survives scenario loads and resets. */
  timeFactorOverride: number | undefined = envTimeFactor();
  faults = new FaultEngine();
  identity: IdentityRuntime = {
    sessions: new Map(),
    flows: new Map(),
    codes: new Map(),
    refreshTokens: new Map(),
  };
  scenarioName = "empty";
  /**
   * Changes whenever the state is replaced (scenario load, reset, a fresh start); delta and skip tokens carry it,
   * so a link from an older generation answers 410 syncStateNotFound (graph/users.ts).
   */
  generation: string = randomUUID();
  globalLog: RequestLogEntry[] = [];
  private scenario: ParsedScenario | null = null;
  private timers = new Set<NodeJS.Timeout>();

  load(scenario: ParsedScenario): void {
    this.scenario = scenario;
    this.generation = randomUUID();
    this.tenants.clear();
    this.apps.clear();
    this.faults.clear();
    this.identity = { sessions: new Map(), flows: new Map(), codes: new Map(), refreshTokens: new Map() };
    this.globalLog = [];
    this.scenarioName = scenario.name;
    const {
      throttle: _throttle,
      teamsAdminThrottle: _teamsAdminThrottle,
      faults: _faults,
      ...settings
    } = scenario.settings;
    this.settings = {
      ...settings,
      timeFactor: this.timeFactorOverride ?? settings.timeFactor,
    };
    for (const a of scenario.apps) {
      this.apps.set(a.clientId.toLowerCase(), { ...a, clientId: a.clientId.toLowerCase() });
    }
    for (const t of scenario.tenants) {
      const tenant = buildTenant(t);
      this.tenants.set(tenant.id, tenant);
      for (const c of t.consents) {
        const sp = this.grantAdminConsent(tenant.id, c.clientId);
        for (const r of c.directoryRoles) this.assignDirectoryRole(tenant.id, sp.id, r);
      }
    }
    if (scenario.settings.throttle) this.setFaults({ throttle: scenario.settings.throttle });
    if (scenario.settings.teamsAdminThrottle)
      this.setFaults({ teamsAdminThrottle: scenario.settings.teamsAdminThrottle });
    if (scenario.settings.faults) this.setFaults(scenario.settings.faults);
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

  /** Tenant references in fault rules and throttle buckets may be GUIDs, short names or domains. */
  setFaults(input: FaultInput): FaultConfig {
    const tid = (key: string | undefined) => (key ? (this.findTenant(key)?.id ?? key) : undefined);
    const throttle = input.throttle;
    const teamsAdminThrottle = input.teamsAdminThrottle;
    return this.faults.set({
      ...input,
      teamsAdminThrottle:
        teamsAdminThrottle === undefined || teamsAdminThrottle === null
          ? teamsAdminThrottle
          : (Array.isArray(teamsAdminThrottle) ? teamsAdminThrottle : [teamsAdminThrottle]).map((t) => ({
              ...t,
              tenantId: tid(t.tenantId),
            })),
      rules: input.rules?.map((r) => ({ ...r, tenantId: tid(r.tenantId) })),
      throttle:
        throttle === undefined || throttle === null
          ? throttle
          : (Array.isArray(throttle) ? throttle : [throttle]).map((t) => ({
              ...t,
              tenantId: tid(t.tenantId),
            })),
    });
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

  /** How long an assignNumber/unassignNumber operation runs (`operationDelayMs`, scaled by the time factor). */
  operationDelay(): number {
    return this.scaled(this.settings.operationDelayMs);
  }

  /** Users reach the Teams side only `teamsSyncDelayMs` (scaled) after creation (tenant clock). */
  syncedToTeams(tenant: Tenant, user: User): boolean {
    const delay = this.scaled(this.settings.teamsSyncDelayMs);
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

  /** A realistic delay scaled by the time factor; every Microsoft delay the emulator models goes through it. */
  scaled(ms: number): number {
    return Math.round(ms * this.settings.timeFactor);
  }

  /**
   * Assigns a directory role. Over Graph (`propagates`), app-only tokens issued within the role propagation
   * delay do not carry it yet, so Teams admin calls made with them are refused (see REALISTIC_DELAYS).
   */
  assignDirectoryRole(
    tenantKey: string,
    principalId: string,
    roleTemplate: string,
    options: { propagates?: boolean } = {},
  ): RoleAssignment {
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
      effectiveFromMs:
        tenantNow(tenant) + (options.propagates ? this.scaled(this.settings.rolePropagationMs) : 0),
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

  /** The roles a token issued now carries (`wids`): assignments still propagating are left out. */
  propagatedRolesOf(tenant: Tenant, principalId: string): string[] {
    const now = tenantNow(tenant);
    const out = new Set<string>();
    for (const ra of tenant.roleAssignments.values())
      if (ra.principalId === principalId && ra.effectiveFromMs <= now) out.add(ra.roleDefinitionId);
    return [...out];
  }

  /** Adds `count` generated users (see GENERATED_USER_MIX), raising SKU units to fit. */
  generateUsers(tenantKey: string, count: number, seed?: number): number {
    const tenant = this.requireTenant(tenantKey);
    const domain = [...tenant.domains.values()].find((d) => d.isDefault) ?? [...tenant.domains.values()][0];
    if (!domain) throw badRequest("Tenant has no domain.");
    const start = tenant.users.size + tenant.deletedUsers.size;
    const users = generateUsers(domain.id, count, seed ?? hashSeed(`${tenant.id}:${start}`), start);
    addScenarioUsers(tenant, users, true);
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
      groupPolicyAssignments: Object.values(tenant.groupPolicyAssignments),
      requestCount: tenant.requestLog.length,
    };
  }
}
