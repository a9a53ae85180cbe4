import { randomUUID } from "node:crypto";
import { PLAN, SKU_CATALOG } from "./catalog.js";
import { badRequest, notFound } from "./errors.js";
import type { AssignedLicense, PlanState, Tenant, User, VoicemailSettings } from "./model.js";

export const isoNow = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export function tenantNow(tenant: Tenant): number {
  return Date.now() + tenant.clockOffsetMs;
}

export function defaultVoicemail(enabled: boolean): VoicemailSettings {
  return {
    VoicemailEnabled: enabled,
    PromptLanguage: "en-US",
    CallAnswerRule: "RegularVoicemail",
    TransferTarget: null,
    OofGreetingEnabled: false,
    OofGreetingFollowAutomaticRepliesEnabled: false,
    OofGreetingFollowCalendarEnabled: false,
    ShareData: false,
    DefaultGreetingPromptOverwrite: null,
    DefaultOofGreetingPromptOverwrite: null,
  };
}

export function recordChange(
  tenant: Tenant,
  userId: string,
  removed: "changed" | "deleted" | null = null,
): void {
  tenant.changeSeq++;
  tenant.changes.push({ seq: tenant.changeSeq, userId, removed });
}

export function findUser(tenant: Tenant, idOrUpn: string): User | undefined {
  const direct = tenant.users.get(idOrUpn.toLowerCase()) ?? tenant.users.get(idOrUpn);
  if (direct) return direct;
  const id = tenant.usersByUpn.get(idOrUpn.toLowerCase());
  return id ? tenant.users.get(id) : undefined;
}

export function requireUser(tenant: Tenant, idOrUpn: string): User {
  const u = findUser(tenant, idOrUpn);
  if (!u) throw notFound(idOrUpn);
  return u;
}

export function verifiedDomainOf(tenant: Tenant, upn: string): boolean {
  const at = upn.lastIndexOf("@");
  if (at < 1) return false;
  const domain = tenant.domains.get(upn.slice(at + 1).toLowerCase());
  return !!domain?.isVerified;
}

/** Units of a SKU in use across all (non-deleted) users. */
export function consumedUnits(tenant: Tenant, skuId: string): number {
  let n = 0;
  for (const u of tenant.users.values()) if (u.licenses.some((l) => l.skuId === skuId)) n++;
  return n;
}

/** Recomputes assignedPlans from licences, keeping removed plans as "Deleted" like Entra does. */
export function recomputePlans(tenant: Tenant, user: User, nowIso: string): void {
  const enabled = new Map<string, string>();
  for (const lic of user.licenses) {
    const sku =
      tenant.skus.find((s) => s.skuId === lic.skuId) ?? SKU_CATALOG.find((s) => s.skuId === lic.skuId);
    if (!sku) continue;
    for (const p of sku.servicePlans) {
      if (!lic.disabledPlans.includes(p.servicePlanId)) enabled.set(p.servicePlanId, p.service);
    }
  }
  for (const [planId, service] of enabled) {
    const existing = user.plans.get(planId);
    if (existing?.capabilityStatus !== "Enabled") {
      user.plans.set(planId, {
        servicePlanId: planId,
        service,
        capabilityStatus: "Enabled",
        assignedDateTime: nowIso,
      });
    }
  }
  for (const plan of user.plans.values()) {
    if (!enabled.has(plan.servicePlanId) && plan.capabilityStatus === "Enabled") {
      plan.capabilityStatus = "Deleted";
      plan.assignedDateTime = nowIso;
    }
  }
}

export function hasEnabledPlan(user: User, ...planIds: string[]): boolean {
  return planIds.some((id) => user.plans.get(id)?.capabilityStatus === "Enabled");
}

export function hasTeamsPhone(user: User): boolean {
  return hasEnabledPlan(user, PLAN.MCOEV.servicePlanId);
}

export interface AssignLicenseInput {
  addLicenses: { skuId: string; disabledPlans?: string[] | null }[];
  removeLicenses: string[];
}

export function assignLicense(tenant: Tenant, user: User, input: AssignLicenseInput): void {
  if (!Array.isArray(input.addLicenses) || !Array.isArray(input.removeLicenses)) {
    throw badRequest(
      "Invalid value specified for property 'addLicenses' or 'removeLicenses' of resource 'User'.",
    );
  }
  if (input.addLicenses.length > 0 && !user.usageLocation) {
    throw badRequest("License assignment cannot be done for user with invalid usage location.");
  }
  const now = isoNow(tenantNow(tenant));
  for (const skuId of input.removeLicenses) {
    if (!user.licenses.some((l) => l.skuId === skuId)) {
      throw badRequest(`User does not have a corresponding license ${skuId}.`);
    }
  }
  for (const add of input.addLicenses) {
    const sku = tenant.skus.find((s) => s.skuId === String(add.skuId).toLowerCase());
    if (!sku) throw badRequest(`License ${add.skuId} does not correspond to a valid company License.`);
    if (sku.capabilityStatus !== "Enabled" && sku.capabilityStatus !== "Warning") {
      throw badRequest(`License ${add.skuId} is not enabled for this company.`);
    }
    for (const p of add.disabledPlans ?? []) {
      if (!sku.servicePlans.some((sp) => sp.servicePlanId === p)) {
        throw badRequest(`Service plan ${p} is not part of license ${add.skuId}.`);
      }
    }
    const already = user.licenses.some((l) => l.skuId === sku.skuId);
    const removing = input.removeLicenses.includes(sku.skuId);
    if (!already || removing) {
      if (consumedUnits(tenant, sku.skuId) - (already ? 1 : 0) >= sku.units) {
        throw badRequest(`Subscription with SKU ${sku.skuId} does not have any available licenses.`);
      }
    }
  }
  user.licenses = user.licenses.filter((l) => !input.removeLicenses.includes(l.skuId));
  for (const add of input.addLicenses) {
    const skuId = String(add.skuId).toLowerCase();
    const existing = user.licenses.find((l) => l.skuId === skuId);
    const lic: AssignedLicense = { skuId, disabledPlans: add.disabledPlans ?? [], assignedDateTime: now };
    if (existing) existing.disabledPlans = lic.disabledPlans;
    else user.licenses.push(lic);
  }
  recomputePlans(tenant, user, now);
  recordChange(tenant, user.id);
}

export interface NewUserInput {
  id?: string;
  userPrincipalName: string;
  displayName: string;
  mailNickname?: string;
  accountEnabled: boolean;
  password: string;
  givenName?: string | null;
  surname?: string | null;
  jobTitle?: string | null;
  department?: string | null;
  usageLocation?: string | null;
  isResourceAccount?: boolean;
  createdAt?: number;
}

export function addUser(tenant: Tenant, input: NewUserInput): User {
  const upn = input.userPrincipalName;
  if (!/^[^@\s]+@[^@\s]+$/.test(upn)) {
    throw badRequest("Invalid value specified for property 'userPrincipalName' of resource 'User'.");
  }
  if (!verifiedDomainOf(tenant, upn)) {
    throw badRequest(
      "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
    );
  }
  if (tenant.usersByUpn.has(upn.toLowerCase())) {
    throw badRequest("Another object with the same value for property userPrincipalName already exists.");
  }
  const created = isoNow(input.createdAt ?? tenantNow(tenant));
  const id = (input.id ?? randomUUID()).toLowerCase();
  const user: User = {
    id,
    userPrincipalName: upn,
    displayName: input.displayName,
    givenName: input.givenName ?? null,
    surname: input.surname ?? null,
    mail: input.isResourceAccount ? null : upn,
    mailNickname: input.mailNickname ?? upn.split("@")[0] ?? upn,
    jobTitle: input.jobTitle ?? null,
    department: input.department ?? null,
    officeLocation: null,
    mobilePhone: null,
    businessPhones: [],
    preferredLanguage: null,
    accountEnabled: input.accountEnabled,
    usageLocation: input.usageLocation ?? null,
    userType: "Member",
    password: input.password,
    createdDateTime: created,
    licenses: [],
    plans: new Map<string, PlanState>(),
    directoryRoles: [],
    isResourceAccount: input.isResourceAccount ?? false,
    voice: {
      enterpriseVoiceEnabled: false,
      policies: {},
      voicemail: defaultVoicemail(true),
      modifiedDateTime: created,
    },
  };
  tenant.users.set(id, user);
  tenant.usersByUpn.set(upn.toLowerCase(), id);
  recordChange(tenant, id);
  return user;
}

/** Soft delete: frees licences, keeps any phone number pointing at the deleted object. */
export function deleteUser(tenant: Tenant, user: User): void {
  tenant.users.delete(user.id);
  tenant.usersByUpn.delete(user.userPrincipalName.toLowerCase());
  user.licenses = [];
  recomputePlans(tenant, user, isoNow(tenantNow(tenant)));
  tenant.deletedUsers.set(user.id, user);
  for (const ra of [...tenant.roleAssignments.values()]) {
    if (ra.principalId === user.id) tenant.roleAssignments.delete(ra.id);
  }
  recordChange(tenant, user.id, "changed");
}

const PATCHABLE = new Set([
  "displayName",
  "givenName",
  "surname",
  "jobTitle",
  "department",
  "officeLocation",
  "mobilePhone",
  "businessPhones",
  "preferredLanguage",
  "accountEnabled",
  "usageLocation",
  "mailNickname",
  "userPrincipalName",
  "passwordProfile",
  "mail",
]);

export function patchUser(tenant: Tenant, user: User, body: Record<string, unknown>): void {
  for (const key of Object.keys(body)) {
    if (!PATCHABLE.has(key)) {
      throw badRequest(`Property '${key}' is read-only or not supported by the emulator for updates.`);
    }
  }
  if (typeof body.usageLocation === "string" && !/^[A-Z]{2}$/.test(body.usageLocation)) {
    throw badRequest("Invalid value specified for property 'usageLocation' of resource 'User'.");
  }
  if ("usageLocation" in body && body.usageLocation === null && user.licenses.length > 0) {
    throw badRequest("Usage location cannot be removed from a licensed user.");
  }
  if ("accountEnabled" in body && typeof body.accountEnabled !== "boolean") {
    throw badRequest("Invalid value specified for property 'accountEnabled' of resource 'User'.");
  }
  if (typeof body.userPrincipalName === "string" && body.userPrincipalName !== user.userPrincipalName) {
    const upn = body.userPrincipalName;
    if (!verifiedDomainOf(tenant, upn)) {
      throw badRequest(
        "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
      );
    }
    if (tenant.usersByUpn.has(upn.toLowerCase())) {
      throw badRequest("Another object with the same value for property userPrincipalName already exists.");
    }
    tenant.usersByUpn.delete(user.userPrincipalName.toLowerCase());
    tenant.usersByUpn.set(upn.toLowerCase(), user.id);
    user.userPrincipalName = upn;
  }
  const rec = user as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(body)) {
    if (k === "userPrincipalName") continue;
    if (k === "passwordProfile") {
      const pw = (v as { password?: unknown } | null)?.password;
      if (typeof pw === "string") user.password = pw;
      continue;
    }
    rec[k] = v;
  }
  recordChange(tenant, user.id);
}
