/** The public surface of the bulk-import module: the users CSV routes and the background apply job. */
export { APPLY_JOB, applyJobKey, isApplyInterrupted } from "./apply-state.js";
export { USERS_CSV_LIMITS } from "./csv-guard.js";
export { applyJobRef, bulkImportJobs } from "./jobs.js";
export { bulkImportRoutes } from "./routes.js";
export { applyImport, CSV_COLUMNS, ROW_APPLYING } from "./service.js";
