/**
 * The public surface of the sbc module: the SBC port (`SbcAdapter` and its types), the adapter handle the
 * composition root builds once per process, the sync job and its enqueuer, the change watch and the routes.
 */
export type {
  DestinationState,
  RegistrationState,
  SbcAdapter,
  SbcCallRecords,
  SbcDestinationStatus,
  SbcDevice,
  SbcDeviceStatus,
  SbcEnterpriseConfig,
  SbcEnterpriseStatus,
  SbcNodeStatus,
  SbcSyncResult,
  SbcTrunk,
} from "./adapter.js";
export { SBC_PACKAGES_COMMAND, type SbcDemo, startSbcDemo } from "./demo-launcher.js";
export type { SbcDeps } from "./deps.js";
export { enqueueSbcSync, SBC_SYNC_JOB, sbcJobs } from "./jobs.js";
export { sbcRoutes } from "./routes.js";
export { type SbcAdapterHandle, sbcAdapterHandle, sbcDatabaseUrl } from "./runtime.js";
export { startSbcWatch } from "./watch.js";
