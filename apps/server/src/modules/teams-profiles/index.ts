/**
 * The public surface of teams-profiles: an enterprise's Teams profile (PBX locations, offered regions, PSTN
 * usage, dial plan and normalization rules), its routes, and the naming of per-region Teams objects.
 * Onboarding order: it imports enterprises (the enterprise's regions); the Direct Routing setup above it is
 * reached through `TeamsProfilesDeps` (passed in by the composition root).
 */
export { type TeamsProfilesDeps, teamsProfileRoutes } from "./routes.js";
export type { NormalizationRule, PbxLocation, TeamsProfile } from "./schema.js";
export {
  countTeamsProfiles,
  enterprisesWithTeamsProfile,
  findTeamsProfile,
  regionObjectName,
  teamsProfileOf,
} from "./service.js";
