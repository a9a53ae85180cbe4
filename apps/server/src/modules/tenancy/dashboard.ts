import { and, count, eq, like, ne } from "drizzle-orm";
import type { DashboardContributor } from "../dashboard/service.js";
import { accounts } from "./schema.js";

/** Counts of enterprises and partners below the account. */
export const tenancyDashboard: DashboardContributor = {
  async counts(db, account) {
    const below = and(like(accounts.path, `${account.path}%`), ne(accounts.id, account.id));
    const [enterprises] = await db
      .select({ n: count() })
      .from(accounts)
      .where(and(below, eq(accounts.kind, "enterprise")));
    const [partners] = await db
      .select({ n: count() })
      .from(accounts)
      .where(and(below, eq(accounts.kind, "partner")));
    const result = [{ key: "enterprises", label: "Enterprises", value: enterprises?.n ?? 0 }];
    if (account.kind !== "enterprise")
      result.push({ key: "partners", label: "Partners", value: partners?.n ?? 0 });
    return result;
  },
};
