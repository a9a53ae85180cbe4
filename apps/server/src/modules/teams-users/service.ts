/**
 * Kept for files that still import the teams-users services from here (the module's own `jobs.ts`, the SBC
 * module, tests). New code imports the module's `index.ts`; inside the module, the folders by job.
 */
export { resumePendingConsent, retryProvisioning, setCalling } from "./calling/service.js";
export {
  type DeviceInput,
  deviceAd,
  generateDevicePassword,
  PASSWORD_RULE,
  PASSWORD_RULE_TEXT,
  revealDevicePassword,
} from "./devices/service.js";
export {
  listUsers,
  type ProvisionedRowView,
  SEARCH_COUNT_CAP,
  searchEligible,
  syncState,
  type UserFilter,
  type UserListQuery,
} from "./directory/service.js";
export { formOptions } from "./users/form-options.js";
export {
  addUser,
  deleteUser,
  getUser,
  type ProvisioningJobs,
  type UserServiceDeps,
  updateUser,
} from "./users/service.js";
export { SIP_USER_RULE, type UserInput, validateUserFields } from "./users/validation.js";
