import type { Executor } from "../../../db/client.js";
import { type Account, tenantScope } from "../../tenancy/index.js";
import type { ProvisionedUser } from "../schema.js";
import { countCap, directoryRepository, type UserListQuery } from "./repository.js";

export { decodeCursor, SEARCH_COUNT_CAP, type UserFilter, type UserListQuery } from "./repository.js";

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

const asDate = (value: Date | string | null) => (value === null ? null : new Date(value));

/** The Users page: synced Teams users with their provisioning, searched, filtered and paged. */
export async function listUsers(db: Executor, enterprise: Account, query: UserListQuery) {
  const page = await directoryRepository(db).usersPage(tenantScope(enterprise), query);
  return {
    total: page.total,
    /** False when more than the cap matched: `total` is then an estimate (a search's: the cap + 1). */
    exact: !page.totalIsEstimate,
    /** Counts are exact up to this many (a search's cap is lower than a plain list's). */
    exactUpTo: countCap(query),
    /** The cursor of the next page; null on the last page. */
    nextCursor: page.nextCursor ?? null,
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
export async function searchEligible(db: Executor, enterprise: Account, search: string, limit = 20) {
  return directoryRepository(db).searchEligible(tenantScope(enterprise), search, limit);
}

/** The enterprise's last (or running) Sync Teams Users. */
export async function syncState(db: Executor, enterprise: Account) {
  return directoryRepository(db).syncState(tenantScope(enterprise));
}
