/** The public surface of the usage module: the seat and usage report's routes, its snapshot job and schedule. */
export { startUsageSchedule, USAGE_SNAPSHOT_JOB, usageSnapshotJob } from "./jobs.js";
export { usageRoutes } from "./routes.js";
export { type UsageReport, usageReport } from "./service.js";
