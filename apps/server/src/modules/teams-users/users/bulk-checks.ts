import type { Executor } from "../../../db/client.js";
import { type Account, tenantScope } from "../../tenancy/index.js";
import { devicesRepository } from "../devices/repository.js";
import { usersRepository } from "./repository.js";

/** What a batch of bulk-import rows names, to be checked against the enterprise's users at once. */
export interface BatchKeys {
  upns: string[];
  numbers: string[];
  sipUsers: string[];
  authIds: string[];
}

const sipKey = (pbxLocation: string, sipUser: string) => `${pbxLocation}\u0000${sipUser}`;

/**
 * A batch's conflicts in a few queries: the synced Teams users by (lower-case) UPN, numbers any user on the
 * platform has, SIP users (per PBX location) and SIP Authentication IDs the enterprise's users have.
 */
export async function batchConflicts(db: Executor, enterprise: Account, keys: BatchKeys) {
  const scope = tenantScope(enterprise);
  const users = usersRepository(db);
  const [teamsUsers, numbers, sipUsers, authIds] = await Promise.all([
    users.teamsUsersByUpn(scope, keys.upns),
    users.platform.numbersInUse(keys.numbers),
    users.sipUsersTaken(scope, keys.sipUsers),
    devicesRepository(db).authIdsTaken(scope, keys.authIds),
  ]);
  const numberSet = new Set(numbers);
  const taken = new Set(sipUsers.map((r) => sipKey(r.pbxLocation, r.sipUser)));
  return {
    teamsUserByUpn: new Map(teamsUsers.map((u) => [u.upn, u])),
    numberTaken: (number: string) => numberSet.has(number),
    sipUserTaken: (pbxLocation: string, sipUser: string) => taken.has(sipKey(pbxLocation, sipUser)),
    authIdTaken: new Set(authIds),
  };
}

/** Object ids of the enterprise's synced Teams users by lower-case UPN. */
export async function teamsUserIdsByUpn(db: Executor, enterprise: Account, upns: string[]) {
  const found = await usersRepository(db).teamsUsersByUpn(tenantScope(enterprise), upns);
  return new Map(found.map((u) => [u.upn, u.objectId]));
}

/** Whether the enterprise has this user exactly as described (a bulk-import row added by a run that died). */
export async function isAddedAsDescribed(
  db: Executor,
  enterprise: Account,
  user: { upn: string; pbxLocation: string; sipUser: string; phoneNumber: string },
) {
  return Boolean(await usersRepository(db).findExactly(tenantScope(enterprise), user));
}
