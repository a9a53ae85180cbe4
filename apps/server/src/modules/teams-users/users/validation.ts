import type { Executor } from "../../../db/client.js";
import type { FieldError } from "../../../http/problem.js";
import { toE164 } from "../../numbers/index.js";
import type { TenantScope } from "../../tenancy/index.js";
import { devicesRepository } from "../devices/repository.js";
import { type DeviceInput, PASSWORD_RULE, PASSWORD_RULE_TEXT } from "../devices/service.js";
import type { FormOptions } from "./form-options.js";
import { usersRepository } from "./repository.js";

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

/** Checks against the enterprise's profile and the other users; lists every field that is wrong. */
export async function validateAgainstDatabase(
  tx: Executor,
  scope: TenantScope,
  input: UserInput,
  options: { excludeUserId?: string; options: FormOptions },
): Promise<FieldError[]> {
  const users = usersRepository(tx);
  const errors: FieldError[] = [];
  if (input.pbxLocation && !options.options.pbxLocations.includes(input.pbxLocation))
    errors.push({ field: "pbxLocation", message: "Choose one of the enterprise's PBX locations." });
  if (input.regionId && !options.options.voiceRoutes.some((r) => r.id === input.regionId))
    errors.push({ field: "regionId", message: "Choose one of the enterprise's voice routes." });
  const number = toE164(input.phoneNumber);
  const sameSip = await users.findBySipUser(scope, input.pbxLocation, input.sipUser, options.excludeUserId);
  if (sameSip)
    errors.push({
      field: "sipUser",
      message: `SIP user ${input.sipUser} is already assigned to ${sameSip.upn}.`,
    });
  if (number) {
    const sameNumber = await users.findByNumber(scope, number, options.excludeUserId);
    if (sameNumber)
      errors.push({ field: "phoneNumber", message: `${number} is already assigned to ${sameNumber.upn}.` });
    else if (await users.platform.numberInUse(number, options.excludeUserId))
      errors.push({
        field: "phoneNumber",
        message: `${number} is already assigned to another customer's user.`,
      });
  }
  for (const [i, d] of input.devices.entries()) {
    const sameDevice = await devicesRepository(tx).findByAuthId(scope, d.authId);
    if (sameDevice && sameDevice.id !== d.id && sameDevice.provisionedUserId !== options.excludeUserId)
      errors.push({
        field: `devices.${i}.authId`,
        message: `SIP Authentication ID ${d.authId} is already used by another device.`,
      });
  }
  return errors;
}
