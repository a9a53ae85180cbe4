import type { Database } from "../../src/db/client.js";
import { teamsUsersRepository } from "../../src/modules/teams-users/repository.js";
import { teamsUsers } from "../../src/modules/teams-users/schema.js";
import type { TenantScope } from "../../src/modules/tenancy/index.js";
import { trunkProfiles } from "../../src/modules/trunks/schema.js";

/**
 * What the sbc repository reads for one enterprise, written straight into the owning modules' tables: a
 * registration trunk "acme" and the Teams user Ada (SIP user 201, +14255550101) with one SIP device.
 */
export async function seedAcmeTrunkAndDevice(
  db: Database,
  scope: TenantScope,
  options: { pbxRealm: string | null; passwordSealed: string; deviceId?: string },
) {
  await db.insert(trunkProfiles).values({
    enterpriseAccountId: scope.accountId,
    label: "acme",
    fqdn: "acme.sbc.example",
    pbxHost: "pbx.acme.example",
    pbxPort: 5060,
    transport: "UDP",
    sipDomain: "pbx.acme.example",
    pbxRealm: options.pbxRealm,
    outboundProxy: null,
    mode: "registration",
    allowedIps: [],
    maxConcurrentCalls: 10,
    codecs: ["PCMU"],
    status: "active",
  });
  await db.insert(teamsUsers).values({
    enterpriseAccountId: scope.accountId,
    objectId: "object-ada",
    userPrincipalName: "ada@contoso.example",
    displayName: "Ada",
    eligible: true,
  });
  const users = teamsUsersRepository(db);
  const user = await users.users.insert(scope, {
    teamsUserObjectId: "object-ada",
    userPrincipalName: "ada@contoso.example",
    displayName: "Ada",
    pbxLocation: "HQ",
    regionId: crypto.randomUUID(),
    sipUser: "201",
    phoneNumber: "+14255550101",
    status: "done",
  });
  const deviceId = options.deviceId ?? crypto.randomUUID();
  await users.devices.insert(scope, {
    id: deviceId,
    provisionedUserId: user.id,
    authId: "ada-desk",
    passwordSealed: options.passwordSealed,
  });
  return { userId: user.id, deviceId };
}
