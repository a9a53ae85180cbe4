import type { Database } from "../../db/client.js";
import type { TenantScope } from "../tenancy/index.js";
import { setupPrerequisites } from "./prerequisites.js";
import { setupRepository } from "./repository.js";
import type { WaitingState } from "./service.js";
import { SETUP_STEPS } from "./steps.js";

/** The checklist of the enterprise's setup, as the Setup page shows it. */
export async function setupView(db: Database, scope: TenantScope, enterpriseAccountId: string) {
  const setups = setupRepository(db);
  const setup = await setups.find(scope, enterpriseAccountId);
  const { missing } = await setupPrerequisites(db, enterpriseAccountId);
  const rows = setup ? await setups.steps(scope, enterpriseAccountId) : [];
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return {
    status: setup?.status ?? ("not-started" as const),
    lastError: setup?.lastError ?? null,
    missing,
    completedAt: setup?.completedAt?.toISOString() ?? null,
    steps: SETUP_STEPS.map((step) => {
      const row = byKey.get(step.key);
      const record = (row?.data?.record as { name: string; value: string; ttl: number } | undefined) ?? null;
      return {
        key: step.key,
        title: step.title,
        status: row?.status ?? ("pending" as const),
        lastError: row?.lastError ?? null,
        attempts: row?.attempts ?? 0,
        updatedAt: row?.updatedAt.toISOString() ?? null,
        txtRecord: step.key === "dns" || step.key === "txt" ? record : null,
        dnsRecords:
          step.key === "trunk-dns" && row?.data?.applied === false
            ? {
                operatorMust: String(row.data.operatorMust ?? ""),
                records:
                  (row.data.dnsRecords as { name: string; type: string; value: string; ttl: number }[]) ?? [],
              }
            : null,
        waitingForMicrosoft:
          row?.status === "waiting" || row?.status === "pending" || row?.status === "running"
            ? ((row.data.waiting as WaitingState | undefined) ?? null)
            : null,
      };
    }),
  };
}
