import type { DashboardContributor } from "../dashboard/index.js";
import { accountRepository } from "./repository.js";
import { tenantScope } from "./scope.js";

/** Counts of enterprises and partners below the account (none for an enterprise, which has nothing below it). */
export const tenancyDashboard: DashboardContributor = {
  async counts(db, account) {
    if (account.kind === "enterprise") return [];
    const accounts = accountRepository(db);
    const scope = tenantScope(account);
    return [
      { key: "enterprises", label: "Enterprises", value: await accounts.countBelow(scope, "enterprise") },
      { key: "partners", label: "Partners", value: await accounts.countBelow(scope, "partner") },
    ];
  },
};
