import type { DashboardContributor } from "../dashboard/index.js";
import { accountRepository } from "./repository.js";
import { tenantScope } from "./scope.js";

/** Counts of enterprises and partners below the account. */
export const tenancyDashboard: DashboardContributor = {
  async counts(db, account) {
    const accounts = accountRepository(db);
    const scope = tenantScope(account);
    const result = [
      { key: "enterprises", label: "Enterprises", value: await accounts.countBelow(scope, "enterprise") },
    ];
    if (account.kind !== "enterprise")
      result.push({ key: "partners", label: "Partners", value: await accounts.countBelow(scope, "partner") });
    return result;
  },
};
