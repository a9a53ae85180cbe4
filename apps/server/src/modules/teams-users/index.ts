/**
 * The public surface of the teams-users module: routes, the dashboard contribution, jobs and schedule, and
 * the services other modules use (Add User and its checks for bulk-import, device passwords for the SBC).
 */
export { resumePendingConsent } from "./calling/service.js";
export { teamsUsersDashboard } from "./dashboard.js";
export { type SbcDevice, sbcDevices, sipUsersChangedSince } from "./devices/repository.js";
export type { DeviceSecrets } from "./devices/service.js";
export { deviceAd, generateDevicePassword, PASSWORD_RULE, PASSWORD_RULE_TEXT } from "./devices/service.js";
export { csvCell } from "./directory/export.js";
export { SEARCH_COUNT_CAP, type UserFilter, type UserListQuery } from "./directory/service.js";
export {
  enqueueSync,
  isSyncActive,
  PROVISION_JOB,
  provisioningQueue,
  SYNC_JOB,
  startTeamsUsersSchedule,
  teamsUsersJobs,
} from "./jobs.js";
export { auditContext, enterpriseOf } from "./request-context.js";
export { teamsUsersRoutes } from "./routes.js";
export type { ProvisionedUser, SipDevice, TeamsUser } from "./schema.js";
export { type SeatFigures, seatFigures } from "./usage-figures.js";
export {
  type BatchKeys,
  batchConflicts,
  isAddedAsDescribed,
  teamsUserIdsByUpn,
} from "./users/bulk-checks.js";
export { type FormOptions, formOptions } from "./users/form-options.js";
export { addUser, type ProvisioningJobs, type UserServiceDeps } from "./users/service.js";
export { SIP_USER_RULE, type UserInput, validateUserFields } from "./users/validation.js";
