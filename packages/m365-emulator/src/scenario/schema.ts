import { z } from "zod";
import { faultInputSchema, throttleSchema } from "../state/faults.js";

const userSchema = z.object({
  id: z.string().optional(),
  userPrincipalName: z.string(),
  displayName: z.string().optional(),
  givenName: z.string().nullable().optional(),
  surname: z.string().nullable().optional(),
  jobTitle: z.string().nullable().optional(),
  department: z.string().nullable().optional(),
  password: z.string().default("Pass-123!"),
  accountEnabled: z.boolean().default(true),
  usageLocation: z.string().nullable().optional(),
  /** SKU part numbers or skuIds. */
  licenses: z.array(z.string()).default([]),
  /** Role template ids or display names, e.g. "Global Administrator". */
  directoryRoles: z.array(z.string()).default([]),
  resourceAccount: z.boolean().default(false),
  voicemailEnabled: z.boolean().optional(),
});

const domainSchema = z.union([
  z.string(),
  z.object({ name: z.string(), verified: z.boolean().default(true), default: z.boolean().optional() }),
]);

const skuSchema = z.object({
  skuPartNumber: z.string(),
  units: z.number().int().nonnegative(),
  capabilityStatus: z.enum(["Enabled", "Warning", "Suspended", "Deleted", "LockedOut"]).default("Enabled"),
});

const numberSchema = z.object({
  telephoneNumber: z.string().regex(/^\+[1-9]\d{3,14}$/),
  numberType: z.enum(["directRouting", "callingPlan", "operatorConnect"]).default("directRouting"),
  assignedTo: z.string().optional(),
  city: z.string().optional(),
  isoCountryCode: z.string().optional(),
});

const consentSchema = z.object({
  clientId: z.string(),
  /** Directory roles given to the app's service principal, e.g. "Teams Administrator". */
  directoryRoles: z.array(z.string()).default([]),
});

const tenantSchema = z.object({
  id: z.guid(),
  name: z.string(),
  displayName: z.string().optional(),
  countryLetterCode: z.string().default("US"),
  defaultUsageLocation: z.string().nullable().optional(),
  domains: z.array(domainSchema).min(1),
  skus: z.array(skuSchema).default([]),
  users: z.array(userSchema).default([]),
  generateUsers: z
    .object({ count: z.number().int().nonnegative(), seed: z.number().int().optional() })
    .optional(),
  numbers: z.array(numberSchema).default([]),
  consents: z.array(consentSchema).default([]),
  pstnUsages: z.array(z.string()).default([]),
});

const appSchema = z.object({
  clientId: z.guid(),
  displayName: z.string(),
  publisher: z.string().default("Unverified"),
  homeTenantId: z.string().nullable().default(null),
  secrets: z.array(z.string()).default([]),
  /** PEM certificates whose keys may sign client assertions. */
  certificates: z.array(z.string()).default([]),
  redirectUris: z.array(z.string()).default([]),
  applicationPermissions: z.array(z.string()).default([]),
  delegatedPermissions: z.array(z.string()).default(["User.Read"]),
  isPublicClient: z.boolean().default(false),
});

export const scenarioSchema = z.object({
  name: z.string().default("custom"),
  settings: z
    .object({
      operationDelayMs: z.number().int().nonnegative().default(50),
      accessTokenLifetimeSeconds: z.number().int().positive().default(3599),
      /** How long a new user takes to appear on the Teams side (userConfigurations, Teams.User, cmdlets). */
      teamsSyncDelayMs: z.number().int().nonnegative().default(0),
      /** "host:port" of a DNS server used to resolve domain verification TXT records. */
      dnsServer: z.string().optional(),
      /** Scales the realistic delays (EmulatorState.settings.timeFactor). */
      timeFactor: z.number().nonnegative().default(1),
      /** Unscaled role propagation delay (REALISTIC_DELAYS.rolePropagationMs). */
      rolePropagationMs: z
        .number()
        .int()
        .nonnegative()
        .default(5 * 60_000),
      /** Unscaled subdomain activation delay (REALISTIC_DELAYS.domainActivationMs). */
      domainActivationMs: z
        .number()
        .int()
        .nonnegative()
        .default(60 * 60_000),
      /** Unscaled Teams provisioning delay of a newly licensed user (REALISTIC_DELAYS.teamsProvisioningMs). */
      teamsProvisioningMs: z
        .number()
        .int()
        .nonnegative()
        .default(30 * 60_000),
      /** Graph's budget, per app per tenant (FaultEngine.takeToken). */
      throttle: throttleSchema.optional(),
      /** The Teams admin budget (Teams admin API and cmdlets), per tenant. */
      teamsAdminThrottle: throttleSchema.omit({ appId: true }).optional(),
      /** Initial fault settings, same shape as POST /_emulator/faults. */
      faults: faultInputSchema.optional(),
    })
    .prefault({}),
  apps: z.array(appSchema).default([]),
  tenants: z.array(tenantSchema).default([]),
});

export type Scenario = z.input<typeof scenarioSchema>;
export type ParsedScenario = z.output<typeof scenarioSchema>;
export type ScenarioTenant = ParsedScenario["tenants"][number];
export type ScenarioUser = ParsedScenario["tenants"][number]["users"][number];
export type ThrottleSettings = z.output<typeof throttleSchema>;
export const throttleSettingsSchema = throttleSchema;
