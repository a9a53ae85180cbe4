/** The public surface of the pbx-directory module: routes, the sync job, and Add User's phone number suggestion. */
export {
  type PbxDirectoryAdapter,
  type PbxDirectoryDocument,
  type PbxUser,
  pbxDirectoryDocument,
} from "./adapter.js";
export { enqueueDirectorySync, pbxDirectorySyncJob } from "./jobs.js";
export { pbxDirectoryRoutes } from "./routes.js";
export { suggestPhoneNumber } from "./service.js";
