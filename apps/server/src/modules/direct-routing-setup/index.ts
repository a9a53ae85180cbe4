/**
 * The public surface of direct-routing-setup, the highest onboarding module: the per-enterprise Direct
 * Routing setup (job, checklist, routes), the operator's carrier trunk (job, routes), the enterprise deletion
 * job's handler, the onboarding dashboard and the enterprise progress reader, and the DNS adapters. It may
 * import every other onboarding module's index.ts; none of them imports it (the composition root wires the
 * hooks they define to the functions here).
 */
export { applyCarrierTrunkIfOperator, carrierTrunkJob, enqueueCarrierTrunk } from "./carrier-jobs.js";
export { type CarrierTrunkRoutesDeps, carrierTrunkRoutes } from "./carrier-routes.js";
export {
  type CarrierTrunkDeps,
  findCarrierGateway,
  gatewayDifferences,
  loadCarrierTrunk,
  operatorAccountId,
  wantedGateway,
} from "./carrier-trunk.js";
export { enterpriseProgressReader, onboardingDashboard } from "./dashboard.js";
export {
  checkRfc2136,
  type DnsAdapter,
  dnsAdapterFor,
  manualRecords,
  trunkRecordSets,
} from "./dns.js";
export { enterpriseDeleteJob } from "./enterprise-deletion.js";
export { directRoutingSetupJob, enqueueSetup, SETUP_JOB, setupStarted, startSetupIfReady } from "./jobs.js";
export { setupPrerequisites } from "./prerequisites.js";
export { directRoutingSetupRoutes } from "./routes.js";
export { runDirectRoutingSetup, type SetupDeps } from "./service.js";
export { ACTIVATION_USER_PREFIX, activationUpn, offeredRegions } from "./steps.js";
