/**
 * The public surface of teams-profiles: an enterprise's Teams profile (PBX locations, offered regions, PSTN
 * usage, dial plan and normalization rules), its routes, and the naming of per-region Teams objects.
 * Onboarding order: it imports enterprises (the enterprise's regions); the Direct Routing setup above it is
 * reached through `TeamsProfilesDeps` (passed in by the composition root).
 */
export { type TeamsProfilesDeps, teamsProfileRoutes } from "./routes.js";
/** The Teams profiles table, for joins inside another module's repository; filter with `withinScope`. */
export { type NormalizationRule, type PbxLocation, type TeamsProfile, teamsProfiles } from "./schema.js";
export { findTeamsProfile, regionObjectName, teamsProfileOf } from "./service.js";
