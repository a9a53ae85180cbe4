/**
 * The public surface of the call-logs module: the routes (list and CSV export), the retention purge job
 * and its schedule.
 */
export type { CallLogsDeps } from "./deps.js";
export { callLogsPurgeJob, purgeCallLogs, startCallLogsPurgeSchedule } from "./jobs.js";
export type { CallDirection, CallResult } from "./records.js";
export { callLogsRoutes } from "./routes.js";
export type { CallLog, CallLogFilters } from "./service.js";
