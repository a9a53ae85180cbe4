import type { Database, Executor } from "../../../db/client.js";
import { checkPreconditions, entityTag, type Preconditions } from "../../../http/etag.js";
import { type FieldError, Problem } from "../../../http/problem.js";
import { type AuditContext, recordAudit } from "../../audit/index.js";
import { connectedTenant } from "../../microsoft/index.js";
import { claimNumber, releaseNumber, toE164 } from "../../numbers/index.js";
import { type Account, tenantScope } from "../../tenancy/index.js";
import { type DeviceSecrets, listDevices, writeDevices } from "../devices/service.js";
import { freshSteps } from "../provisioning.js";
import type { ProvisionedUser, TeamsUser } from "../schema.js";
import { type FormOptions, formOptions } from "./form-options.js";
import { usersRepository } from "./repository.js";
import { type UserInput, validateAgainstDatabase, validateUserFields } from "./validation.js";

export interface ProvisioningJobs {
  enqueueProvisioning(provisionedUserId: string): Promise<void>;
  /** The user's next check of something Microsoft is finishing happens now instead of at its scheduled time. */
  checkNow(provisionedUserId: string): Promise<void>;
}

export interface UserServiceDeps {
  db: Database;
  secrets: DeviceSecrets;
  jobs: ProvisioningJobs;
  /** NUMBER_QUARANTINE_DAYS: how long a released number cools down. */
  numberQuarantineDays: number;
}

const SIGN_IN_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Field errors and database errors as one Problem: 409 when something is already taken, else 400. */
function refusal(fieldErrors: FieldError[], dbErrors: FieldError[]) {
  const all = [...fieldErrors, ...dbErrors];
  return dbErrors.some((e) => /already/.test(e.message))
    ? Problem.conflict(all.map((e) => e.message).join(" "), all)
    : Problem.invalid(all);
}

/** "Add User": stores the user and its devices, then provisions (or waits for consent). */
export async function addUser(
  deps: UserServiceDeps,
  audit: AuditContext,
  enterprise: Account,
  input: UserInput,
  prepared: { options?: FormOptions } = {},
) {
  const scope = tenantScope(enterprise);
  const users = usersRepository(deps.db);
  const fieldErrors = validateUserFields(input, { requirePasswords: true });
  const options = prepared.options ?? (await formOptions(deps.db, enterprise));
  const upn = input.teamsUserPrincipalName?.trim().toLowerCase() ?? "";
  let teamsUser: TeamsUser | undefined = await users.findTeamsUser(
    scope,
    input.teamsUserObjectId ? { objectId: input.teamsUserObjectId } : { upn },
  );
  if (!teamsUser && !input.teamsUserObjectId && upn && !options.connected) {
    // Before consent nothing can be synced: the partner types the user's UPN. It waits as pending and is
    // checked in Microsoft (exists, Teams Phone licence) when provisioning starts after consent.
    if (!SIGN_IN_ADDRESS.test(upn)) {
      fieldErrors.push({
        field: "teamsUserPrincipalName",
        message: "Enter the user's sign-in address, e.g. ada@contoso.com.",
      });
    } else teamsUser = await users.upsertPendingTeamsUser(scope, upn);
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
    await users.lockUsers(scope, tx);
    const dbErrors = await validateAgainstDatabase(tx, scope, input, { options });
    const already = teamsUser ? await users.findByTeamsUser(scope, teamsUser.objectId, tx) : undefined;
    if (already) dbErrors.push({ field: "teamsUserObjectId", message: "This Teams user is already added." });
    if (fieldErrors.length + dbErrors.length > 0) throw refusal(fieldErrors, dbErrors);
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
      status: options.connected ? ("queued" as const) : ("pending-consent" as const),
    };
    const row = await users.insert(
      scope,
      { ...values, steps: freshSteps({ ...values, deleting: false }) },
      tx,
    );
    await claimNumber(tx, scope, row.phoneNumber, row.id);
    await writeDevices(tx, deps.secrets, scope, row.id, input.devices);
    await recordAudit(tx, audit, {
      action: "teams-user.add",
      accountId: enterprise.id,
      targetType: "provisioned-user",
      targetId: row.id,
      after: { ...values, devices: input.devices.map((d) => d.authId) },
    });
    return row;
  });
  if (created.status === "queued") await deps.jobs.enqueueProvisioning(created.id);
  return created;
}

/** A provisioned user of the enterprise with its devices (404 for any other). */
export async function getUser(db: Executor, enterpriseAccount: Account, id: string) {
  const scope = tenantScope(enterpriseAccount);
  const row = await usersRepository(db).find(scope, id);
  if (!row) throw Problem.notFound("No such user.");
  return { ...row, devices: await listDevices(db, scope, id) };
}

/**
 * The version of what Edit replaces (and of calling and removal, which change what it does), as the user's
 * ETag. Provisioning progress (status, steps, what Microsoft reports) is not part of it, so an edit made while
 * the job runs is not refused; device passwords are write-only, so a new one simply replaces the old.
 */
export function userEtag(
  user: Omit<ProvisionedUser, "steps"> & { devices: { id: string; authId: string }[] },
) {
  return entityTag("provisioned-user", user.id, {
    pbxLocation: user.pbxLocation,
    regionId: user.regionId,
    sipUser: user.sipUser,
    disableVoicemail: user.disableVoicemail,
    assignDialPlan: user.assignDialPlan,
    callingEnabled: user.callingEnabled,
    deleting: user.deleting,
    devices: user.devices.map((d) => [d.id, d.authId]),
  });
}

/**
 * Edit: SIP user, PBX location, voice route, the two flags and devices, if the caller's preconditions
 * (`If-Match`) hold for the version found under the users' lock. Microsoft-side changes re-run the job.
 */
export async function updateUser(
  deps: UserServiceDeps,
  audit: AuditContext,
  enterprise: Account,
  id: string,
  input: Omit<UserInput, "teamsUserObjectId" | "phoneNumber"> & { phoneNumber?: string },
  preconditions: Preconditions = {},
) {
  const scope = tenantScope(enterprise);
  const users = usersRepository(deps.db);
  const before = await getUser(deps.db, enterprise, id);
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
    await users.lockUsers(scope, tx);
    // Read again under the lock: the version If-Match is checked against, and what the change is made from.
    const before = await getUser(tx, enterprise, id);
    checkPreconditions(preconditions, userEtag(before), "user");
    const dbErrors = await validateAgainstDatabase(tx, scope, full, { excludeUserId: id, options });
    if (errors.length + dbErrors.length > 0) throw refusal(errors, dbErrors);
    const microsoftChanged =
      before.regionId !== input.regionId ||
      before.assignDialPlan !== input.assignDialPlan ||
      before.disableVoicemail !== input.disableVoicemail;
    const next = { ...before, ...input, phoneNumber: before.phoneNumber };
    const row = await users.update(
      scope,
      id,
      {
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
      },
      tx,
    );
    await writeDevices(tx, deps.secrets, scope, id, input.devices);
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

/** Removes a user: deprovisions in the safe order (number, then policies), then deletes the records. */
export async function deleteUser(
  deps: UserServiceDeps,
  audit: AuditContext,
  enterprise: Account,
  id: string,
) {
  const scope = tenantScope(enterprise);
  const users = usersRepository(deps.db);
  const before = await getUser(deps.db, enterprise, id);
  const neverReachedMicrosoft =
    before.steps.every((s) => s.status === "pending") && before.status !== "running";
  const connected = Boolean(await connectedTenant(deps.db, enterprise.id));
  const audited = { action: "teams-user.delete", accountId: enterprise.id, targetType: "provisioned-user" };
  if (
    (neverReachedMicrosoft && before.callingEnabled) ||
    (!connected && before.status === "pending-consent")
  ) {
    await deps.db.transaction(async (tx) => {
      await users.delete(scope, id, tx);
      await releaseNumber(tx, before.phoneNumber, scope, deps.numberQuarantineDays);
      await recordAudit(tx, audit, { ...audited, targetId: id, before });
    });
    return { deleted: true };
  }
  const next = { ...before, deleting: true };
  await deps.db.transaction(async (tx) => {
    await users.update(
      scope,
      id,
      { deleting: true, steps: freshSteps(next), status: connected ? "queued" : "pending-consent" },
      tx,
    );
    await recordAudit(tx, audit, { ...audited, targetId: id, before });
  });
  if (connected) await deps.jobs.enqueueProvisioning(id);
  return { deleted: false };
}
