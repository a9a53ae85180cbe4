/**
 * The public surface of enterprises: the customer profile of enterprise accounts (Add, edit, suspend,
 * delete), the policies every enterprise route applies, the deletion job's ref (direct-routing-setup runs it)
 * and the progress reader the enterprise list is given. Onboarding order: it imports operator-settings only.
 */
export { enqueueEnterpriseDeletion, enterpriseDeletionJob } from "./jobs.js";
export { assertEnterprise, assertManagedFromAbove, assertMayHaveEnterprises } from "./policies.js";
export {
  type EnterprisesRepository,
  enterpriseLifecycle,
  enterprisesChangedSince,
  enterprisesRepository,
} from "./repository.js";
export { type EnterprisesDeps, enterpriseRoutes } from "./routes.js";
export type { Enterprise } from "./schema.js";
export {
  type EnterpriseProgress,
  type EnterpriseProgressReader,
  findEnterprise,
} from "./service.js";
