import type { Database } from "../../../db/client.js";
import { enterprisesRepository } from "../../enterprises/index.js";
import { connectedTenant } from "../../microsoft/index.js";
import { findRegions } from "../../operator-settings/index.js";
import { teamsProfileOf } from "../../teams-profiles/index.js";
import { type Account, tenantScope } from "../../tenancy/index.js";

/** The regions offered to the enterprise's users: its Teams profile's, or else the enterprise's own. */
async function profileChoices(db: Database, enterprise: Account) {
  const profile = (await teamsProfileOf(db, enterprise)) ?? null;
  const regionIds =
    profile?.regionIds ??
    (await enterprisesRepository(db).find(tenantScope(enterprise), enterprise.id))?.regionIds ??
    [];
  const regions = regionIds.length ? await findRegions(db, regionIds) : [];
  return { profile, regions: regions.map(({ id, name }) => ({ id, name })) };
}

/** The Add User form's choices: PBX locations and voice routes (regions) of the enterprise's Teams profile. */
export async function formOptions(db: Database, enterprise: Account) {
  const { profile, regions } = await profileChoices(db, enterprise);
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

export type FormOptions = Awaited<ReturnType<typeof formOptions>>;
