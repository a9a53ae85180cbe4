import type { Database, Executor } from "../../db/client.js";
import { checkPreconditions, entityTag, type Preconditions } from "../../http/etag.js";
import { type FieldError, Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { type Account, type TenantScope, tenantScope } from "../tenancy/index.js";
import { teamsProfilesRepository } from "./repository.js";
import type { NormalizationRule, PbxLocation, TeamsProfile } from "./schema.js";

export interface TeamsProfileInput {
  pbxLocations: PbxLocation[];
  regionIds: string[];
  defaultRegionId: string;
  pstnUsage: string;
  dialPlanName: string;
  normalizationRules: NormalizationRule[];
}

const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;
const DIAL_PLAN_NAME = /^[A-Za-z0-9.-]{1,49}$/;

/** Identity of the voice route and of the voice routing policy for one region, e.g. `acme-CA-Central`. */
export function regionObjectName(pstnUsage: string, regionName: string): string {
  return `${pstnUsage}-${regionName
    .trim()
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")}`;
}

export function validateTeamsProfile(input: TeamsProfileInput, enterpriseRegionIds: string[]): FieldError[] {
  const errors: FieldError[] = [];
  if (input.pbxLocations.length === 0)
    errors.push({ field: "pbxLocations", message: "Add at least one PBX location." });
  input.pbxLocations.forEach((location, i) => {
    if (!location.name.trim())
      errors.push({ field: `pbxLocations.${i}.name`, message: "Enter the location's name." });
    if (!location.pbx.trim())
      errors.push({ field: `pbxLocations.${i}.pbx`, message: "Enter the PBX of this location." });
  });
  if (input.regionIds.length === 0)
    errors.push({ field: "regionIds", message: "Offer at least one voice route (region)." });
  input.regionIds.forEach((id, i) => {
    if (!enterpriseRegionIds.includes(id))
      errors.push({ field: `regionIds.${i}`, message: "Unknown region for this enterprise." });
  });
  if (!input.regionIds.includes(input.defaultRegionId)) {
    errors.push({ field: "defaultRegionId", message: "The default must be one of the offered regions." });
  }
  if (!POLICY_NAME.test(input.pstnUsage)) {
    errors.push({
      field: "pstnUsage",
      message: "Letters, digits, dot, dash or underscore, at most 48 characters.",
    });
  }
  if (!DIAL_PLAN_NAME.test(input.dialPlanName)) {
    errors.push({ field: "dialPlanName", message: "Letters, digits, dash or dot, at most 49 characters." });
  }
  if (input.normalizationRules.length > 50)
    errors.push({ field: "normalizationRules", message: "At most 50 rules." });
  const names = new Set<string>();
  input.normalizationRules.forEach((rule, i) => {
    if (!/^[A-Za-z0-9 ._-]{1,64}$/.test(rule.name))
      errors.push({ field: `normalizationRules.${i}.name`, message: "Enter a rule name." });
    if (names.has(rule.name))
      errors.push({ field: `normalizationRules.${i}.name`, message: "Rule names must be unique." });
    names.add(rule.name);
    try {
      new RegExp(rule.pattern);
    } catch {
      errors.push({ field: `normalizationRules.${i}.pattern`, message: "Not a valid regular expression." });
    }
    if (!rule.translation.trim())
      errors.push({
        field: `normalizationRules.${i}.translation`,
        message: "Enter the translation, e.g. +1425555$1.",
      });
  });
  return errors;
}

/** The enterprise's Teams profile, by id: for jobs and checks that run past the access gate. */
export async function findTeamsProfile(
  db: Executor,
  enterpriseAccountId: string,
): Promise<TeamsProfile | undefined> {
  return teamsProfilesRepository(db).platform.findByEnterprise(enterpriseAccountId);
}

/** The Teams profile of the enterprise `enterprise` (the gate's target). */
export async function teamsProfileOf(db: Executor, enterprise: Account): Promise<TeamsProfile | undefined> {
  return teamsProfilesRepository(db).find(tenantScope(enterprise), enterprise.id);
}

/** The version of what a save of the Teams profile replaces (every field of the form), as its ETag. */
export function teamsProfileEtag(p: TeamsProfile): string {
  return entityTag("teams-profile", p.id, teamsProfileView(p));
}

/**
 * Creates or replaces the enterprise's Teams profile, if the caller's preconditions (`If-Match`,
 * `If-None-Match: *`) hold for the version it finds under the profile's lock.
 */
export async function saveTeamsProfile(
  db: Database,
  audit: AuditContext,
  enterprise: Account,
  enterpriseRegionIds: string[],
  input: TeamsProfileInput,
  preconditions: Preconditions = {},
): Promise<TeamsProfile> {
  const errors = validateTeamsProfile(input, enterpriseRegionIds);
  if (errors.length > 0) throw Problem.invalid(errors);
  const scope = tenantScope(enterprise);
  return db.transaction(async (tx) => {
    const profiles = teamsProfilesRepository(tx);
    await profiles.lock(enterprise.id);
    const before = await profiles.find(scope, enterprise.id);
    checkPreconditions(preconditions, before ? teamsProfileEtag(before) : null, "Teams profile");
    const row = await profiles.save(scope, enterprise.id, input);
    if (!row) throw Problem.notFound("No such enterprise.");
    await recordAudit(tx, audit, {
      action: before ? "teams-profile.update" : "teams-profile.create",
      accountId: enterprise.id,
      targetType: "teams-profile",
      targetId: row.id,
      before,
      after: row,
    });
    return row;
  });
}

export function teamsProfileView(p: TeamsProfile) {
  return {
    id: p.id,
    enterpriseId: p.enterpriseAccountId,
    pbxLocations: p.pbxLocations,
    regionIds: p.regionIds,
    defaultRegionId: p.defaultRegionId,
    pstnUsage: p.pstnUsage,
    dialPlanName: p.dialPlanName,
    normalizationRules: p.normalizationRules,
  };
}

/** How many of the scope's enterprises have a Teams profile (the onboarding dashboard). */
export function countTeamsProfiles(db: Executor, scope: TenantScope): Promise<number> {
  return teamsProfilesRepository(db).count(scope);
}

/** Those of the enterprises that have a Teams profile within the scope (the onboarding action items). */
export function enterprisesWithTeamsProfile(
  db: Executor,
  scope: TenantScope,
  enterpriseAccountIds: string[],
) {
  return teamsProfilesRepository(db).enterprisesWithProfile(scope, enterpriseAccountIds);
}
