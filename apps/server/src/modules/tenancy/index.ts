/**
 * The public surface of the tenancy module: the account tree, the tenant scope ("this account and below")
 * and its SQL condition, the account repository and the tenancy routes.
 */
export { tenancyDashboard } from "./dashboard.js";
export { childPath, reaches } from "./policies.js";
export { type AccountRepository, accountRepository } from "./repository.js";
export { tenancyRoutes } from "./routes.js";
/**
 * The accounts table, for what no query can replace: another module's foreign keys
 * (`references(() => accounts.id)`) and joins inside another module's repository. Filter by tenant with
 * `withinScope`, never by hand.
 */
export { type Account, accounts } from "./schema.js";
export { scopeAccountWithin, type TenantScope, tenantScope, withinScope } from "./scope.js";
export {
  decodeSwitchableCursor,
  type SwitchableQuery,
  type TenancyService,
  tenancyService,
} from "./service.js";
