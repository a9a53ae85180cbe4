import { randomInt } from "node:crypto";
import type { Executor } from "../../../db/client.js";
import { Problem } from "../../../http/problem.js";
import { type AuditContext, recordAudit } from "../../audit/index.js";
import { type Account, type TenantScope, tenantScope } from "../../tenancy/index.js";
import { devicesRepository } from "./repository.js";

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

/** The associated data a device password is sealed with (the SBC opens it the same way). */
export const deviceAd = (id: string) => `sip-device:${id}`;

export interface DeviceInput {
  id?: string;
  authId: string;
  /** Omitted on edit: keep the stored password. */
  password?: string;
}

export interface DeviceSecrets {
  seal(plaintext: string, ad?: string): string;
  open(sealed: string, ad?: string): string;
}

/** Makes the user's devices what the form says: removes the missing, updates the kept, adds the new. */
export async function writeDevices(
  tx: Executor,
  secrets: Pick<DeviceSecrets, "seal">,
  scope: TenantScope,
  provisionedUserId: string,
  devices: DeviceInput[],
) {
  const repository = devicesRepository(tx);
  const existing = await repository.forUser(scope, provisionedUserId);
  const keep = new Set(devices.map((d) => d.id).filter(Boolean));
  for (const d of existing) if (!keep.has(d.id)) await repository.delete(scope, d.id);
  for (const d of devices) {
    const found = d.id ? existing.find((e) => e.id === d.id) : undefined;
    if (found) {
      await repository.update(scope, found.id, {
        authId: d.authId,
        ...(d.password ? { passwordSealed: secrets.seal(d.password, deviceAd(found.id)) } : {}),
      });
    } else {
      const id = crypto.randomUUID();
      await repository.insert(scope, {
        id,
        provisionedUserId,
        authId: d.authId,
        passwordSealed: secrets.seal(d.password!, deviceAd(id)),
      });
    }
  }
}

/** The user's devices as the API shows them (never the password). */
export async function listDevices(db: Executor, scope: TenantScope, provisionedUserId: string) {
  const devices = await devicesRepository(db).forUser(scope, provisionedUserId);
  return devices.map((d) => ({ id: d.id, authId: d.authId }));
}

/** Shows a device password; every reveal is audited. */
export async function revealDevicePassword(
  deps: { db: Executor; secrets: Pick<DeviceSecrets, "open"> },
  audit: AuditContext,
  enterprise: Account,
  userId: string,
  deviceId: string,
) {
  const device = await devicesRepository(deps.db).find(tenantScope(enterprise), userId, deviceId);
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
