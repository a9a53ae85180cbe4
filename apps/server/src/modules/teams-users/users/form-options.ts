import type { Database } from "../../../db/client.js";
import { connectedTenant } from "../../microsoft/index.js";
import { type Account, tenantScope } from "../../tenancy/index.js";
import { usersRepository } from "./repository.js";

/** The Add User form's choices: PBX locations and voice routes (regions) of the enterprise's Teams profile. */
export async function formOptions(db: Database, enterprise: Account) {
  const { profile, regions } = await usersRepository(db).profileChoices(tenantScope(enterprise));
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
