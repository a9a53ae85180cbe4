/** The public surface of the tenancy module: the account tree, tenant scope and account permissions. */
export { childPath, type Permission, reaches, roleAllows } from "./policies.js";
export type { Account } from "./schema.js";
export { type TenantScope, tenantScope, withinScope } from "./scope.js";
