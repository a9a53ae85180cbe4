import { defineJob, type JobDefinition } from "../../jobs/define-job.js";
import { recordAudit } from "../audit/index.js";
import { enterpriseDeletionJob, enterprisesRepository } from "../enterprises/index.js";
import { findRegions } from "../operator-settings/index.js";
import { regionObjectName } from "../teams-profiles/index.js";
import { accountRepository, tenantScope } from "../tenancy/index.js";
import { setupPrerequisites } from "./prerequisites.js";
import { setupRepository } from "./repository.js";
import type { SetupDeps } from "./service.js";
import { activationUpn, offeredRegions } from "./steps.js";

/**
 * Deletes an enterprise: first what sip2teams created in its tenant (dial plan, voice routing policies,
 * voice routes, the PSTN usage entry, the activation user, the trunk subdomain), then its records.
 * Every removal tolerates "already gone", so the job can run again after a failure. It lives here, above
 * enterprises, because undoing the tenant setup needs the setup's steps and the Microsoft port.
 */
export async function deleteEnterprise(deps: SetupDeps, enterpriseAccountId: string): Promise<void> {
  const { db } = deps;
  const account = await accountRepository(db).findById(enterpriseAccountId);
  if (!account) return;
  const scope = tenantScope(account);
  const profile = await enterprisesRepository(db).find(scope, enterpriseAccountId);
  if (profile?.lifecycle !== "deleting") return;
  const setup = await setupRepository(db).find(scope, enterpriseAccountId);
  const { connection, trunk, teams } = await setupPrerequisites(db, enterpriseAccountId);
  if (setup && connection && trunk && teams) {
    const { graph, teamsPowerShell: admin } = await deps.microsoft.tenant(connection.tenantId);
    const regions = await findRegions(db, teams.regionIds);
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
    const deleted = await enterprisesRepository(tx).deleteAccount(scope, enterpriseAccountId);
    await recordAudit(
      tx,
      { actor: null },
      {
        action: "enterprise.delete",
        accountId: enterpriseAccountId,
        targetType: "enterprise",
        targetId: enterpriseAccountId,
        before: { name: deleted?.name ?? account.name, ...profile },
      },
    );
  });
}

/** The handler of enterprises' deletion job (its ref and enqueue live in enterprises). */
export function enterpriseDeleteJob(deps: SetupDeps): JobDefinition<{ enterpriseAccountId: string }> {
  return defineJob({
    ...enterpriseDeletionJob,
    retryLimit: 8,
    retryDelaySeconds: 10,
    retryBackoff: true,
    async handle({ enterpriseAccountId }) {
      await deleteEnterprise(deps, enterpriseAccountId);
    },
  });
}
