import type { Executor } from "../../db/client.js";

export interface DashboardCount {
  key: string;
  label: string;
  value: number;
}

export interface ActionItem {
  key: string;
  severity: "info" | "warning" | "error";
  title: string;
  description: string;
  /** The portal path that resolves it, relative to /a/{accountId}. */
  href: string;
  /** A label for the button, e.g. "Sync Teams Users". */
  actionLabel: string;
}

/**
 * The account a dashboard is built for, as the dashboard sees it (a tenancy `Account` fits). Defined here
 * so the dashboard depends on no other module: modules depend on the dashboard, by contributing to it.
 */
export interface DashboardAccount {
  id: string;
  name: string;
  kind: "operator" | "partner" | "enterprise";
  path: string;
}

/** Each module contributes counts and action items for an account and everything below it. */
export interface DashboardContributor {
  counts?(db: Executor, account: DashboardAccount): Promise<DashboardCount[]>;
  actionItems?(db: Executor, account: DashboardAccount): Promise<ActionItem[]>;
}

export async function buildDashboard(
  db: Executor,
  account: DashboardAccount,
  contributors: readonly DashboardContributor[],
) {
  const counts = (await Promise.all(contributors.map((c) => c.counts?.(db, account) ?? []))).flat();
  const actionItems = (await Promise.all(contributors.map((c) => c.actionItems?.(db, account) ?? []))).flat();
  return { counts, actionItems };
}
