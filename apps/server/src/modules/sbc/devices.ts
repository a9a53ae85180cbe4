import type { SecretBox } from "../../crypto/secret-box.js";
import { deviceAd } from "../teams-users/index.js";
import type { SbcDevice } from "./adapter.js";
import type { SbcDeviceRow } from "./repository.js";

/**
 * Provisioned user (SIP user, number, calling state) ↔ its SIP devices (auth id, sealed password), as the
 * SBC adapter takes them. A user being deleted is already gone from the SBC (the repository leaves it out);
 * a user with calling disabled keeps its registrations but its number is not routed.
 */
export function sbcDevices(
  rows: SbcDeviceRow[],
  secrets: Pick<SecretBox, "open">,
  enterpriseId: string,
  trunkFqdn: string,
): SbcDevice[] {
  return rows.map((row) => {
    const device = {
      id: row.id,
      enterpriseId,
      trunkFqdn,
      sipUser: row.sipUser,
      authId: row.authId,
      // The sealed value changes with every new password (fresh IV), so its hash marks changes.
      revision: row.revision,
      number: row.number,
      callingEnabled: row.callingEnabled,
    } as SbcDevice;
    // Decrypted only when an adapter writes this device (not for the thousands that did not change).
    Object.defineProperty(device, "password", {
      get: () => secrets.open(row.passwordSealed, deviceAd(row.id)),
      enumerable: false,
    });
    return device;
  });
}
