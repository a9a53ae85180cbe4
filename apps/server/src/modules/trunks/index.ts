/**
 * The public surface of trunks: an enterprise's trunk profile (the derived trunk FQDN on the Teams side, the
 * SIP side towards the PBX), its routes and what the setup, the SBC and the health check read of it.
 * Onboarding order: it imports operator-settings and enterprises; the Direct Routing setup above it is
 * reached through `TrunksDeps` (passed in by the composition root).
 */

export { type SbcTrunkProfile, sbcTrunkProfile, trunkProfilesChangedSince } from "./repository.js";
export { type TrunksDeps, trunkRoutes } from "./routes.js";
export type { TrunkProfile } from "./schema.js";
export {
  activateTrunkProfile,
  CODECS,
  countTrunkProfiles,
  deriveTrunkFqdn,
  effectiveSipRealm,
  findTrunkProfile,
  MAX_TRUNK_FQDN,
  type SetupStarted,
  trunkFqdnsOf,
  trunkProfileOf,
} from "./service.js";
