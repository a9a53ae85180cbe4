import { eq } from "drizzle-orm";
import { z } from "zod";
import { defineJob, type JobDefinition } from "../../jobs/define-job.js";
import type { JobQueue } from "../../jobs/job-queue.js";
import { recordAudit } from "../audit/repository.js";
import { directRoutingSetups } from "../direct-routing-setup/schema.js";
import type { SetupDeps } from "../direct-routing-setup/service.js";
import { setupPrerequisites } from "../direct-routing-setup/service.js";
import { activationUpn, offeredRegions } from "../direct-routing-setup/steps.js";
import { sbcRegions } from "../operator-settings/schema.js";
import { regionObjectName } from "../teams-profiles/service.js";
import { accounts } from "../tenancy/schema.js";
import { enterprises } from "./schema.js";

export const DELETE_JOB = "enterprise-delete";
const payload = z.object({ enterpriseAccountId: z.uuid() });

/**
 * Deletes an enterprise: first what sip2teams created in its tenant (dial plan, voice routing policies,
 * voice routes, the PSTN usage entry, the activation user, the trunk subdomain), then its records.
 * Every removal tolerates "already gone", so the job can run again after a failure.
 */
export async function deleteEnterprise(deps: SetupDeps, enterpriseAccountId: string): Promise<void> {
  const { db } = deps;
  const [profile] = await db.select().from(enterprises).where(eq(enterprises.accountId, enterpriseAccountId));
  if (profile?.lifecycle !== "deleting") return;
  const [setup] = await db
    .select()
    .from(directRoutingSetups)
    .where(eq(directRoutingSetups.enterpriseAccountId, enterpriseAccountId));
  const { connection, trunk, teams } = await setupPrerequisites(db, enterpriseAccountId);
  if (setup && connection && trunk && teams) {
    const { graph, teamsPowerShell: admin } = await deps.microsoft.tenant(connection.tenantId);
    const regions = await db.select().from(sbcRegions);
    const names = offeredRegions({ teams, regions }).map((r) => regionObjectName(teams.pstnUsage, r.name));
    await admin.remove("dialPlan", teams.dialPlanName);
    for (const name of names) await admin.remove("voiceRoutingPolicy", name);
    for (const name of names) await admin.remove("voiceRoute", name);
    if ((await admin.pstnUsages()).includes(teams.pstnUsage)) await admin.removePstnUsage(teams.pstnUsage);
    const user = await graph.getUser(activationUpn(trunk.fqdn));
    if (user) await graph.deleteUser(user.id);
    await graph.deleteDomain(trunk.fqdn);
  }
  await db.transaction(async (tx) => {
    const [account] = await tx.select().from(accounts).where(eq(accounts.id, enterpriseAccountId));
    await tx.delete(accounts).where(eq(accounts.id, enterpriseAccountId));
    await recordAudit(
      tx,
      { actor: null },
      {
        action: "enterprise.delete",
        accountId: enterpriseAccountId,
        targetType: "enterprise",
        targetId: enterpriseAccountId,
        before: { name: account?.name, ...profile },
      },
    );
  });
}

export function enterpriseDeleteJob(deps: SetupDeps): JobDefinition<z.infer<typeof payload>> {
  return defineJob({
    name: DELETE_JOB,
    payload,
    retryLimit: 8,
    retryDelaySeconds: 10,
    deduplicate: "perKey",
    retryBackoff: true,
    async handle({ enterpriseAccountId }) {
      await deleteEnterprise(deps, enterpriseAccountId);
    },
  });
}

export function enqueueEnterpriseDeletion(jobs: JobQueue, enterpriseAccountId: string) {
  return jobs.enqueue(
    { name: DELETE_JOB, payload, deduplicate: "perKey" },
    { enterpriseAccountId },
    { singletonKey: `${DELETE_JOB}:${enterpriseAccountId}` },
  );
}
