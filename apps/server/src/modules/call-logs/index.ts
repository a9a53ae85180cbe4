/**
 * The public surface of the call-logs module: the routes (list and CSV export), the retention purge job
 * and its schedule, and the answered talk time per enterprise and day (the usage report's minutes).
 */
export type { CallLogsDeps } from "./deps.js";
export { callLogsPurgeJob, purgeCallLogs, startCallLogsPurgeSchedule } from "./jobs.js";
export { answeredTalkTime, type DailyTalkTime } from "./minutes.js";
export type { CallDirection, CallResult } from "./records.js";
export { callLogsRoutes } from "./routes.js";
export type { CallLog, CallLogFilters } from "./service.js";
