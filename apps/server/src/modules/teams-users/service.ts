import { randomInt } from "node:crypto";
import { and, asc, eq, ilike, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client.js";
import { type FieldError, Problem } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/repository.js";
import { enterprises } from "../enterprises/schema.js";
import { connectedTenant } from "../microsoft/service.js";
import { claimNumber, toE164 } from "../numbers/service.js";
import { sbcRegions } from "../operator-settings/schema.js";
import { teamsProfiles } from "../teams-profiles/schema.js";
import type { Account } from "../tenancy/schema.js";
import { freshSteps } from "./provisioning.js";
import {
  PENDING_PREFIX,
  type ProvisionedUser,
  provisionedUsers,
  sipDevices,
  teamsUserSyncs,
  teamsUsers,
} from "./schema.js";

export const PASSWORD_RULE = /^[A-Za-z0-9]{8,64}$/;
export const PASSWORD_RULE_TEXT = "Use 8 to 64 letters and digits, no special characters.";
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A generated SIP device password: 20 letters and digits (guide 002 allows no special characters),
 * about 119 bits; `randomInt` draws from the CSPRNG without modulo bias.
 */
export function generateDevicePassword(length = 20): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export const deviceAd = (id: string) => `sip-device:${id}`;

export interface ProvisioningJobs {
  enqueueProvisioning(provisionedUserId: string): Promise<void>;
}

export type UserFilter =
  | "all"
  | "eligible"
  | "ineligible"
  | "provisioned"
  | "not-provisioned"
  | "calling-enabled"
  | "calling-disabled"
  | "pending"
  | "failed"
  | "removed";

export interface UserListQuery {
  search?: string;
  filter: UserFilter;
  page: number;
  pageSize: number;
}

const escapeLike = (value: string) => value.replace(/[%_\\]/g, (c) => `\\${c}`);

export interface ProvisionedRowView {
  id: string;
  pbxLocation: string;
  sipUser: string;
  phoneNumber: string;
  regionId: string;
  regionName: string;
  callingEnabled: boolean;
  deleting: boolean;
  status: ProvisionedUser["status"];
  lastError: string | null;
  cleanupRequired: boolean;
  lastRunAt: Date | null;
  observedVoiceEnabled: boolean | null;
}

/** Conditions on provisioned users, evaluated once as a hashed subquery (never per synced user). */
function provisionedCondition(filter: UserFilter): SQL | null {
  switch (filter) {
    case "provisioned":
      return sql`true`;
    case "calling-enabled":
      return sql`p.calling_enabled and p.status = 'done'`;
    case "calling-disabled":
      return sql`not (p.calling_enabled and p.status = 'done')`;
    case "pending":
      return sql`p.status in ('pending-consent', 'queued', 'running')`;
    case "failed":
      return sql`(p.status = 'failed' or p.cleanup_required)`;
    default:
      return null;
  }
}

interface UserPageRow extends Record<string, unknown> {
  object_id: string;
  user_principal_name: string;
  display_name: string;
  eligible: boolean;
  ineligible_reason: string | null;
  removed_at: Date | string | null;
  p_id: string | null;
  pbx_location: string;
  sip_user: string;
  phone_number: string;
  region_id: string;
  region_name: string | null;
  calling_enabled: boolean;
  deleting: boolean;
  status: ProvisionedUser["status"];
  last_error: string | null;
  cleanup_required: boolean;
  last_run_at: Date | string | null;
  observed_voice_enabled: boolean | null;
}

/** Above this many matches a search reports "more than" instead of counting every one. */
export const SEARCH_COUNT_CAP = 1000;

const asDate = (value: Date | string | null) => (value === null ? null : new Date(value));

/**
 * The Users page: synced Teams users with their provisioning, searched, filtered and paged in SQL.
 * Paging runs over teams_users alone (index on lower(upn)); only the page's rows are joined.
 */
/** The Users page shows names (the address when there is none) and sorts by what it shows. */
const BY_SHOWN_NAME = sql`lower(coalesce(nullif(t.display_name, ''), t.user_principal_name)), lower(t.user_principal_name)`;

export async function listUsers(db: Executor, enterpriseAccountId: string, query: UserListQuery) {
  const search = query.search?.trim().toLowerCase();
  const conditions: SQL[] = [sql`t.enterprise_account_id = ${enterpriseAccountId}`];
  if (query.filter === "eligible") conditions.push(sql`t.eligible and t.removed_at is null`);
  if (query.filter === "ineligible") conditions.push(sql`not t.eligible`);
  if (query.filter === "removed") conditions.push(sql`t.removed_at is not null`);
  if (query.filter === "not-provisioned")
    conditions.push(
      sql`t.eligible and t.removed_at is null and t.object_id not in (select p.teams_user_object_id from provisioned_users p where p.enterprise_account_id = ${enterpriseAccountId})`,
    );
  const pCondition = provisionedCondition(query.filter);
  if (pCondition)
    conditions.push(
      sql`t.object_id in (select p.teams_user_object_id from provisioned_users p where p.enterprise_account_id = ${enterpriseAccountId} and ${pCondition})`,
    );
  const base = sql.join(conditions, sql` and `);
  let where = base;
  let total: number;
  let totalIsEstimate = false;
  if (search) {
    const digits = search.replace(/[^\d+]/g, "");
    const byNumber = digits.length >= 3 ? sql` or p.phone_number like ${`%${escapeLike(digits)}%`}` : sql``;
    const matchers = [
      sql`lower(t.user_principal_name) like ${`${escapeLike(search)}%`}`,
      sql`lower(t.display_name) like ${`%${escapeLike(search)}%`}`,
      sql`t.object_id in (select p.teams_user_object_id from provisioned_users p
        where p.enterprise_account_id = ${enterpriseAccountId} and (p.sip_user = ${search}${byNumber}))`,
    ];
    // Each matcher is index-driven (prefix btree, trigram GIN, provisioned) and capped, so neither a rare nor a
    // very common term scans every user; above the cap the total is shown as "more than".
    const ids = sql.join(
      matchers.map(
        (m) =>
          sql`(select t.object_id from teams_users t where ${base} and ${m} limit ${SEARCH_COUNT_CAP + 1})`,
      ),
      sql` union `,
    );
    const counted = await db.execute<{ n: number }>(sql`select count(*)::int as n from (${ids}) x`);
    total = counted.rows[0]?.n ?? 0;
    if (total > SEARCH_COUNT_CAP) {
      total = SEARCH_COUNT_CAP;
      totalIsEstimate = true;
      where = sql`${base} and (${sql.join(matchers, sql` or `)})`;
    } else where = sql`${base} and t.object_id in (${ids})`;
  } else {
    const counted = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from teams_users t where ${base}`,
    );
    total = counted.rows[0]?.n ?? 0;
  }
  const offset = (query.page - 1) * query.pageSize;
  const page = await db.execute<UserPageRow>(sql`
      with page as (
        select t.* from teams_users t where ${where}
        order by ${BY_SHOWN_NAME} limit ${query.pageSize} offset ${offset})
      select page.object_id, page.user_principal_name, page.display_name, page.eligible, page.ineligible_reason,
        page.removed_at, p.id as p_id, p.pbx_location, p.sip_user, p.phone_number, p.region_id, r.name as region_name,
        p.calling_enabled, p.deleting, p.status, p.last_error, p.cleanup_required, p.last_run_at,
        (p.observed ->> 'enterpriseVoiceEnabled')::boolean as observed_voice_enabled
      from page
      left join provisioned_users p
        on p.enterprise_account_id = page.enterprise_account_id and p.teams_user_object_id = page.object_id
      left join sbc_regions r on r.id = p.region_id
      order by lower(coalesce(nullif(page.display_name, ''), page.user_principal_name)),
        lower(page.user_principal_name)`);
  return {
    total,
    totalIsEstimate,
    items: page.rows.map((r) => ({
      objectId: r.object_id,
      userPrincipalName: r.user_principal_name,
      displayName: r.display_name,
      eligible: r.eligible,
      ineligibleReason: r.ineligible_reason,
      removedAt: asDate(r.removed_at),
      provisioned: r.p_id
        ? ({
            id: r.p_id,
            pbxLocation: r.pbx_location,
            sipUser: r.sip_user,
            phoneNumber: r.phone_number,
            regionId: r.region_id,
            regionName: r.region_name ?? "",
            callingEnabled: r.calling_enabled,
            deleting: r.deleting,
            status: r.status,
            lastError: r.last_error,
            cleanupRequired: r.cleanup_required,
            lastRunAt: asDate(r.last_run_at),
            observedVoiceEnabled: r.observed_voice_enabled,
          } satisfies ProvisionedRowView)
        : null,
    })),
  };
}

/** "Teams User" search-as-you-type: eligible, present and not provisioned yet. */
export async function searchEligible(db: Executor, enterpriseAccountId: string, search: string, limit = 20) {
  const term = escapeLike(search.trim().toLowerCase());
  return db
    .select({
      objectId: teamsUsers.objectId,
      userPrincipalName: teamsUsers.userPrincipalName,
      displayName: teamsUsers.displayName,
    })
    .from(teamsUsers)
    .where(
      and(
        eq(teamsUsers.enterpriseAccountId, enterpriseAccountId),
        eq(teamsUsers.eligible, true),
        isNull(teamsUsers.removedAt),
        sql`not exists (select 1 from provisioned_users p where p.enterprise_account_id = ${teamsUsers.enterpriseAccountId} and p.teams_user_object_id = ${teamsUsers.objectId})`,
        term
          ? or(
              sql`lower(${teamsUsers.userPrincipalName}) like ${`${term}%`}`,
              ilike(teamsUsers.displayName, `%${term}%`),
            )
          : undefined,
      ),
    )
    .orderBy(asc(sql`lower(${teamsUsers.userPrincipalName})`))
    .limit(limit);
}

export async function syncState(db: Executor, enterpriseAccountId: string) {
  const [row] = await db
    .select()
    .from(teamsUserSyncs)
    .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseAccountId));
  return row ?? null;
}

/** The Add User form's choices: PBX locations and voice routes (regions) of the enterprise's Teams profile. */
export async function formOptions(db: Database, enterprise: Account) {
  const [profile] = await db
    .select()
    .from(teamsProfiles)
    .where(eq(teamsProfiles.enterpriseAccountId, enterprise.id));
  const [ent] = await db.select().from(enterprises).where(eq(enterprises.accountId, enterprise.id));
  const regionIds = profile?.regionIds ?? ent?.regionIds ?? [];
  const regions = regionIds.length
    ? await db
        .select({ id: sbcRegions.id, name: sbcRegions.name })
        .from(sbcRegions)
        .where(inArray(sbcRegions.id, regionIds))
    : [];
  const connection = await connectedTenant(db, enterprise.id);
  return {
    pbxLocations: (profile?.pbxLocations ?? []).map((l) => l.name),
    /** What Add User shows for each location: the PBX's name (guide 002 4.1), the value stays the location. */
    pbxLocationOptions: (profile?.pbxLocations ?? []).map((l) => ({ value: l.name, label: l.pbx })),
    voiceRoutes: regions.sort((a, b) => a.name.localeCompare(b.name)),
    defaultVoiceRouteId: profile?.defaultRegionId ?? regions[0]?.id ?? null,
    dialPlanName: profile?.dialPlanName ?? null,
    connected: Boolean(connection),
  };
}

export interface DeviceInput {
  id?: string;
  authId: string;
  /** Omitted on edit: keep the stored password. */
  password?: string;
}

export interface UserInput {
  teamsUserObjectId: string;
  /** Instead of the object id: the UPN (typed before consent, or for bulk import). */
  teamsUserPrincipalName?: string;
  pbxLocation: string;
  regionId: string;
  sipUser: string;
  phoneNumber: string;
  disableVoicemail: boolean;
  assignDialPlan: boolean;
  devices: DeviceInput[];
}

export const SIP_USER_RULE = /^[A-Za-z0-9._+-]{1,64}$/;

/** Field-level checks that need no database. */
export function validateUserFields(
  input: Omit<UserInput, "teamsUserObjectId">,
  options: { requirePasswords: boolean },
): FieldError[] {
  const errors: FieldError[] = [];
  if (!input.pbxLocation) errors.push({ field: "pbxLocation", message: "Choose a PBX location." });
  if (!input.regionId) errors.push({ field: "regionId", message: "Choose a voice route." });
  if (!SIP_USER_RULE.test(input.sipUser))
    errors.push({ field: "sipUser", message: "Enter the user's extension (letters, digits, . _ + -)." });
  if (!toE164(input.phoneNumber))
    errors.push({
      field: "phoneNumber",
      message: "Enter a valid number in E.164 format, e.g. +12065550100.",
    });
  const seen = new Set<string>();
  input.devices.forEach((d, i) => {
    if (!SIP_USER_RULE.test(d.authId))
      errors.push({
        field: `devices.${i}.authId`,
        message: "Enter the SIP Authentication ID (letters, digits, . _ + -).",
      });
    else if (seen.has(d.authId.toLowerCase()))
      errors.push({
        field: `devices.${i}.authId`,
        message: "Each device needs its own SIP Authentication ID.",
      });
    seen.add(d.authId.toLowerCase());
    if (d.password === undefined || d.password === "") {
      if (options.requirePasswords || !d.id)
        errors.push({ field: `devices.${i}.password`, message: "Generate or enter a password." });
    } else if (!PASSWORD_RULE.test(d.password))
      errors.push({ field: `devices.${i}.password`, message: PASSWORD_RULE_TEXT });
  });
  return errors;
}

/** Checks against the enterprise's profile and the other users; throws a Problem listing every field. */
async function validateAgainstDatabase(
  tx: Executor,
  enterprise: Account,
  input: UserInput,
  options: { excludeUserId?: string; options: Awaited<ReturnType<typeof formOptions>> },
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (input.pbxLocation && !options.options.pbxLocations.includes(input.pbxLocation))
    errors.push({ field: "pbxLocation", message: "Choose one of the enterprise's PBX locations." });
  if (input.regionId && !options.options.voiceRoutes.some((r) => r.id === input.regionId))
    errors.push({ field: "regionId", message: "Choose one of the enterprise's voice routes." });
  const number = toE164(input.phoneNumber);
  const notSelf = options.excludeUserId ? sql`${provisionedUsers.id} <> ${options.excludeUserId}` : undefined;
  const [sameSip] = await tx
    .select({ id: provisionedUsers.id, upn: provisionedUsers.userPrincipalName })
    .from(provisionedUsers)
    .where(
      and(
        eq(provisionedUsers.enterpriseAccountId, enterprise.id),
        eq(provisionedUsers.pbxLocation, input.pbxLocation),
        eq(provisionedUsers.sipUser, input.sipUser),
        notSelf,
      ),
    );
  if (sameSip)
    errors.push({
      field: "sipUser",
      message: `SIP user ${input.sipUser} is already assigned to ${sameSip.upn}.`,
    });
  if (number) {
    const [sameNumber] = await tx
      .select({
        id: provisionedUsers.id,
        upn: provisionedUsers.userPrincipalName,
        enterprise: provisionedUsers.enterpriseAccountId,
      })
      .from(provisionedUsers)
      .where(and(eq(provisionedUsers.phoneNumber, number), notSelf));
    if (sameNumber)
      errors.push({
        field: "phoneNumber",
        message:
          sameNumber.enterprise === enterprise.id
            ? `${number} is already assigned to ${sameNumber.upn}.`
            : `${number} is already assigned to another customer's user.`,
      });
  }
  for (const [i, d] of input.devices.entries()) {
    const [sameDevice] = await tx
      .select({ id: sipDevices.id, userId: sipDevices.provisionedUserId })
      .from(sipDevices)
      .where(and(eq(sipDevices.enterpriseAccountId, enterprise.id), eq(sipDevices.authId, d.authId)));
    if (sameDevice && sameDevice.id !== d.id && sameDevice.userId !== options.excludeUserId)
      errors.push({
        field: `devices.${i}.authId`,
        message: `SIP Authentication ID ${d.authId} is already used by another device.`,
      });
  }
  return errors;
}

export interface UserServiceDeps {
  db: Database;
  secrets: { seal(plaintext: string, ad?: string): string; open(sealed: string, ad?: string): string };
  jobs: ProvisioningJobs;
}

/** "Add User": stores the user and its devices, then provisions (or waits for consent). */
export async function addUser(
  deps: UserServiceDeps,
  audit: AuditContext,
  enterprise: Account,
  input: UserInput,
  prepared: { options?: Awaited<ReturnType<typeof formOptions>> } = {},
) {
  const fieldErrors = validateUserFields(input, { requirePasswords: true });
  const options = prepared.options ?? (await formOptions(deps.db, enterprise));
  const upn = input.teamsUserPrincipalName?.trim().toLowerCase() ?? "";
  let [teamsUser] = await deps.db
    .select()
    .from(teamsUsers)
    .where(
      and(
        eq(teamsUsers.enterpriseAccountId, enterprise.id),
        input.teamsUserObjectId
          ? eq(teamsUsers.objectId, input.teamsUserObjectId)
          : sql`lower(${teamsUsers.userPrincipalName}) = ${upn || "\u0000"}`,
      ),
    );
  if (!teamsUser && !input.teamsUserObjectId && upn && !options.connected) {
    // Before consent nothing can be synced: the partner types the user's UPN. It waits as pending and is
    // checked in Microsoft (exists, Teams Phone licence) when provisioning starts after consent.
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(upn)) {
      fieldErrors.push({
        field: "teamsUserPrincipalName",
        message: "Enter the user's sign-in address, e.g. ada@contoso.com.",
      });
    } else {
      [teamsUser] = await deps.db
        .insert(teamsUsers)
        .values({
          enterpriseAccountId: enterprise.id,
          objectId: `${PENDING_PREFIX}${upn}`,
          userPrincipalName: upn,
          displayName: "",
          eligible: true,
          ineligibleReason: null,
        })
        .onConflictDoUpdate({
          target: [teamsUsers.enterpriseAccountId, teamsUsers.objectId],
          set: { syncedAt: new Date() },
        })
        .returning();
    }
  }
  if (!teamsUser && !fieldErrors.some((e) => e.field === "teamsUserPrincipalName"))
    fieldErrors.push({
      field: input.teamsUserObjectId || !upn ? "teamsUserObjectId" : "teamsUserPrincipalName",
      message: "Choose a Teams user (run Sync Teams Users if they are missing).",
    });
  else if (teamsUser && (!teamsUser.eligible || teamsUser.removedAt))
    fieldErrors.push({
      field: "teamsUserObjectId",
      message: `This user cannot be provisioned: ${teamsUser.ineligibleReason ?? "not eligible"}.`,
    });
  const created = await deps.db.transaction(async (tx) => {
    // One writer per enterprise at a time, so two concurrent adds cannot both pass the duplicate checks.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`users:${enterprise.id}`}))`);
    const dbErrors = await validateAgainstDatabase(tx, enterprise, input, { options });
    const [already] = teamsUser
      ? await tx
          .select({ id: provisionedUsers.id })
          .from(provisionedUsers)
          .where(
            and(
              eq(provisionedUsers.enterpriseAccountId, enterprise.id),
              eq(provisionedUsers.teamsUserObjectId, teamsUser.objectId),
            ),
          )
      : [];
    if (already) dbErrors.push({ field: "teamsUserObjectId", message: "This Teams user is already added." });
    const all = [...fieldErrors, ...dbErrors];
    if (all.length > 0) {
      const duplicate = dbErrors.some((e) => /already/.test(e.message));
      throw duplicate ? Problem.conflict(all.map((e) => e.message).join(" "), all) : Problem.invalid(all);
    }
    const connected = options.connected;
    const values = {
      enterpriseAccountId: enterprise.id,
      teamsUserObjectId: teamsUser!.objectId,
      userPrincipalName: teamsUser!.userPrincipalName,
      displayName: teamsUser!.displayName,
      pbxLocation: input.pbxLocation,
      regionId: input.regionId,
      sipUser: input.sipUser,
      phoneNumber: toE164(input.phoneNumber)!,
      disableVoicemail: input.disableVoicemail,
      assignDialPlan: input.assignDialPlan,
      callingEnabled: true,
      status: connected ? ("queued" as const) : ("pending-consent" as const),
    };
    const [row] = await tx
      .insert(provisionedUsers)
      .values({ ...values, steps: freshSteps({ ...values, deleting: false }) })
      .returning();
    await claimNumber(tx, row!.phoneNumber, enterprise.id, row!.id);
    await writeDevices(tx, deps, row!, input.devices);
    await recordAudit(tx, audit, {
      action: "teams-user.add",
      accountId: enterprise.id,
      targetType: "provisioned-user",
      targetId: row!.id,
      after: { ...values, devices: input.devices.map((d) => d.authId) },
    });
    return row!;
  });
  if (created.status === "queued") await deps.jobs.enqueueProvisioning(created.id);
  return created;
}

async function writeDevices(
  tx: Executor,
  deps: UserServiceDeps,
  user: ProvisionedUser,
  devices: DeviceInput[],
) {
  const existing = await tx.select().from(sipDevices).where(eq(sipDevices.provisionedUserId, user.id));
  const keep = new Set(devices.map((d) => d.id).filter(Boolean));
  for (const d of existing) if (!keep.has(d.id)) await tx.delete(sipDevices).where(eq(sipDevices.id, d.id));
  for (const d of devices) {
    const found = d.id ? existing.find((e) => e.id === d.id) : undefined;
    if (found) {
      await tx
        .update(sipDevices)
        .set({
          authId: d.authId,
          ...(d.password ? { passwordSealed: deps.secrets.seal(d.password, deviceAd(found.id)) } : {}),
          updatedAt: new Date(),
        })
        .where(eq(sipDevices.id, found.id));
    } else {
      const id = crypto.randomUUID();
      await tx.insert(sipDevices).values({
        id,
        provisionedUserId: user.id,
        enterpriseAccountId: user.enterpriseAccountId,
        authId: d.authId,
        passwordSealed: deps.secrets.seal(d.password!, deviceAd(id)),
      });
    }
  }
}

export async function getUser(db: Executor, enterpriseAccountId: string, id: string) {
  const [row] = await db
    .select()
    .from(provisionedUsers)
    .where(and(eq(provisionedUsers.id, id), eq(provisionedUsers.enterpriseAccountId, enterpriseAccountId)));
  if (!row) throw Problem.notFound("No such user.");
  const devices = await db
    .select({ id: sipDevices.id, authId: sipDevices.authId })
    .from(sipDevices)
    .where(eq(sipDevices.provisionedUserId, id))
    .orderBy(asc(sipDevices.createdAt));
  return { ...row, devices };
}

/** Edit: SIP user, PBX location, voice route, the two flags and devices. Microsoft-side changes re-run the job. */
export async function updateUser(
  deps: UserServiceDeps,
  audit: AuditContext,
  enterprise: Account,
  id: string,
  input: Omit<UserInput, "teamsUserObjectId" | "phoneNumber"> & { phoneNumber?: string },
) {
  const before = await getUser(deps.db, enterprise.id, id);
  if (input.phoneNumber && toE164(input.phoneNumber) !== before.phoneNumber)
    throw Problem.field(
      "phoneNumber",
      "To change the number, disable calling and remove the user, then add them again.",
    );
  const full: UserInput = {
    ...input,
    phoneNumber: before.phoneNumber,
    teamsUserObjectId: before.teamsUserObjectId,
  };
  const errors = validateUserFields(full, { requirePasswords: false });
  const options = await formOptions(deps.db, enterprise);
  const updated = await deps.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`users:${enterprise.id}`}))`);
    const dbErrors = await validateAgainstDatabase(tx, enterprise, full, { excludeUserId: id, options });
    const all = [...errors, ...dbErrors];
    if (all.length > 0)
      throw dbErrors.some((e) => /already/.test(e.message))
        ? Problem.conflict(all.map((e) => e.message).join(" "), all)
        : Problem.invalid(all);
    const microsoftChanged =
      before.regionId !== input.regionId ||
      before.assignDialPlan !== input.assignDialPlan ||
      before.disableVoicemail !== input.disableVoicemail;
    const next = { ...before, ...input, phoneNumber: before.phoneNumber };
    const [row] = await tx
      .update(provisionedUsers)
      .set({
        pbxLocation: input.pbxLocation,
        regionId: input.regionId,
        sipUser: input.sipUser,
        disableVoicemail: input.disableVoicemail,
        assignDialPlan: input.assignDialPlan,
        ...(microsoftChanged && before.callingEnabled
          ? {
              steps: freshSteps(next),
              status: before.status === "pending-consent" ? before.status : ("queued" as const),
            }
          : {}),
        updatedAt: new Date(),
      })
      .where(eq(provisionedUsers.id, id))
      .returning();
    await writeDevices(tx, deps, row!, input.devices);
    await recordAudit(tx, audit, {
      action: "teams-user.update",
      accountId: enterprise.id,
      targetType: "provisioned-user",
      targetId: id,
      before: { ...before, devices: before.devices.map((d) => d.authId) },
      after: { ...input, devices: input.devices.map((d) => d.authId) },
    });
    return row!;
  });
  if (updated.status === "queued") await deps.jobs.enqueueProvisioning(updated.id);
  return updated;
}

/** Enable Calling / Disable Calling: sets the desired state and runs the job (disable unassigns the number first). */
export async function setCalling(
  deps: UserServiceDeps,
  audit: AuditContext,
  enterprise: Account,
  id: string,
  enabled: boolean,
) {
  const before = await getUser(deps.db, enterprise.id, id);
  if (before.deleting) throw Problem.conflict("This user is being removed.");
  const connected = Boolean(await connectedTenant(deps.db, enterprise.id));
  const next = { ...before, callingEnabled: enabled };
  const [row] = await deps.db.transaction(async (tx) => {
    await recordAudit(tx, audit, {
      action: enabled ? "teams-user.enable-calling" : "teams-user.disable-calling",
      accountId: enterprise.id,
      targetType: "provisioned-user",
      targetId: id,
    });
    return tx
      .update(provisionedUsers)
      .set({
        callingEnabled: enabled,
        steps: freshSteps(next),
        status: connected ? "queued" : "pending-consent",
        lastError: null,
        updatedAt: new Date(),
      })
      .where(eq(provisionedUsers.id, id))
      .returning();
  });
  if (row?.status === "queued") await deps.jobs.enqueueProvisioning(id);
  return row!;
}

/** Re-runs a failed or stuck provisioning from its first unfinished step. */
export async function retryProvisioning(deps: UserServiceDeps, enterprise: Account, id: string) {
  const before = await getUser(deps.db, enterprise.id, id);
  const connected = Boolean(await connectedTenant(deps.db, enterprise.id));
  const steps = before.steps.map((s) =>
    s.status === "failed" || s.status === "running" ? { ...s, status: "pending" as const } : s,
  );
  const [row] = await deps.db
    .update(provisionedUsers)
    .set({ steps, status: connected ? "queued" : "pending-consent", updatedAt: new Date() })
    .where(eq(provisionedUsers.id, id))
    .returning();
  if (row?.status === "queued") await deps.jobs.enqueueProvisioning(id);
  return row!;
}

/** Removes a user: deprovisions in the safe order (number, then policies), then deletes the records. */
export async function deleteUser(
  deps: UserServiceDeps,
  audit: AuditContext,
  enterprise: Account,
  id: string,
) {
  const before = await getUser(deps.db, enterprise.id, id);
  const neverReachedMicrosoft =
    before.steps.every((s) => s.status === "pending") && before.status !== "running";
  const connected = Boolean(await connectedTenant(deps.db, enterprise.id));
  if (
    (neverReachedMicrosoft && before.callingEnabled) ||
    (!connected && before.status === "pending-consent")
  ) {
    await deps.db.transaction(async (tx) => {
      await tx.delete(provisionedUsers).where(eq(provisionedUsers.id, id));
      const { releaseNumber } = await import("../numbers/service.js");
      await releaseNumber(tx, before.phoneNumber, enterprise.id);
      await recordAudit(tx, audit, {
        action: "teams-user.delete",
        accountId: enterprise.id,
        targetType: "provisioned-user",
        targetId: id,
        before,
      });
    });
    return { deleted: true };
  }
  const next = { ...before, deleting: true };
  await deps.db.transaction(async (tx) => {
    await tx
      .update(provisionedUsers)
      .set({
        deleting: true,
        steps: freshSteps(next),
        status: connected ? "queued" : "pending-consent",
        updatedAt: new Date(),
      })
      .where(eq(provisionedUsers.id, id));
    await recordAudit(tx, audit, {
      action: "teams-user.delete",
      accountId: enterprise.id,
      targetType: "provisioned-user",
      targetId: id,
      before,
    });
  });
  if (connected) await deps.jobs.enqueueProvisioning(id);
  return { deleted: false };
}

/** Shows a device password; every reveal is audited. */
export async function revealDevicePassword(
  deps: UserServiceDeps,
  audit: AuditContext,
  enterprise: Account,
  userId: string,
  deviceId: string,
) {
  const [device] = await deps.db
    .select()
    .from(sipDevices)
    .where(
      and(
        eq(sipDevices.id, deviceId),
        eq(sipDevices.provisionedUserId, userId),
        eq(sipDevices.enterpriseAccountId, enterprise.id),
      ),
    );
  if (!device) throw Problem.notFound("No such device.");
  const password = deps.secrets.open(device.passwordSealed, deviceAd(device.id));
  await recordAudit(deps.db, audit, {
    action: "sip-device.reveal-password",
    accountId: enterprise.id,
    targetType: "sip-device",
    targetId: device.id,
    after: { authId: device.authId },
  });
  return { password };
}

/** Users waiting for consent whose enterprise is now connected: queue them. */
export async function resumePendingConsent(db: Database, jobs: ProvisioningJobs): Promise<number> {
  const rows = await db
    .update(provisionedUsers)
    .set({ status: "queued", updatedAt: new Date() })
    .where(
      and(
        eq(provisionedUsers.status, "pending-consent"),
        sql`exists (select 1 from microsoft_connections c where c.enterprise_account_id = ${provisionedUsers.enterpriseAccountId} and c.status = 'connected')`,
      ),
    )
    .returning({ id: provisionedUsers.id });
  for (const r of rows) await jobs.enqueueProvisioning(r.id);
  return rows.length;
}
