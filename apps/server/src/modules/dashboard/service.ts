import type { Executor } from "../../db/client.js";
import type { Account } from "../tenancy/schema.js";

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

/** Each module contributes counts and action items for an account and everything below it. */
export interface DashboardContributor {
  counts?(db: Executor, account: Account): Promise<DashboardCount[]>;
  actionItems?(db: Executor, account: Account): Promise<ActionItem[]>;
}

export async function buildDashboard(db: Executor, account: Account, contributors: DashboardContributor[]) {
  const counts = (await Promise.all(contributors.map((c) => c.counts?.(db, account) ?? []))).flat();
  const actionItems = (await Promise.all(contributors.map((c) => c.actionItems?.(db, account) ?? []))).flat();
  return { counts, actionItems };
}
