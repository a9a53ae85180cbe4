import { and, asc, eq, sql } from "drizzle-orm";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Executor } from "../../db/client.js";
import { provisionedUsers, sipDevices } from "../teams-users/schema.js";
import { deviceAd } from "../teams-users/service.js";
import type { SbcDevice } from "./adapter.js";

/**
 * The one place where the SBC reads the provisioning module's data (modules/teams-users):
 * provisioned user (SIP user, number, calling state) ↔ its SIP devices (auth id, sealed password).
 * A user being deleted is already gone from the SBC; a user with calling disabled keeps its
 * registrations but its number is not routed.
 */
export async function loadSbcDevices(
  db: Executor,
  secrets: Pick<SecretBox, "open">,
  enterpriseId: string,
  trunkFqdn: string,
): Promise<SbcDevice[]> {
  const rows = await db
    .select({
      id: sipDevices.id,
      authId: sipDevices.authId,
      passwordSealed: sipDevices.passwordSealed,
      // Computed by Postgres: a change marker for the credentials, without decrypting anything.
      revision: sql<string>`md5(concat_ws(',', ${sipDevices.id}, ${sipDevices.authId}, ${sipDevices.passwordSealed}, ${provisionedUsers.sipUser}))`,
      sipUser: provisionedUsers.sipUser,
      number: provisionedUsers.phoneNumber,
      callingEnabled: provisionedUsers.callingEnabled,
    })
    .from(sipDevices)
    .innerJoin(provisionedUsers, eq(provisionedUsers.id, sipDevices.provisionedUserId))
    .where(and(eq(sipDevices.enterpriseAccountId, enterpriseId), eq(provisionedUsers.deleting, false)))
    .orderBy(asc(sipDevices.createdAt), asc(sipDevices.id));
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
