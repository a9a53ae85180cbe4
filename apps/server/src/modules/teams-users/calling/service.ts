import type { Database } from "../../../db/client.js";
import { Problem } from "../../../http/problem.js";
import { type AuditContext, recordAudit } from "../../audit/index.js";
import { connectedTenant } from "../../microsoft/index.js";
import { type Account, tenantScope } from "../../tenancy/index.js";
import { emitEvent } from "../../webhooks/index.js";
import { freshSteps } from "../provisioning.js";
import { usersRepository } from "../users/repository.js";
import { getUser, type ProvisioningJobs, type UserServiceDeps } from "../users/service.js";

/** Enable Calling / Disable Calling: sets the desired state and runs the job (disable unassigns the number first). */
export async function setCalling(
  deps: Pick<UserServiceDeps, "db" | "jobs">,
  audit: AuditContext,
  enterprise: Account,
  id: string,
  enabled: boolean,
) {
  const before = await getUser(deps.db, enterprise, id);
  if (before.deleting) throw Problem.conflict("This user is being removed.");
  const connected = Boolean(await connectedTenant(deps.db, enterprise.id));
  const next = { ...before, callingEnabled: enabled };
  const row = await deps.db.transaction(async (tx) => {
    await recordAudit(tx, audit, {
      action: enabled ? "teams-user.enable-calling" : "teams-user.disable-calling",
      accountId: enterprise.id,
      targetType: "provisioned-user",
      targetId: id,
    });
    await emitEvent(tx, {
      accountId: enterprise.id,
      type: enabled ? "calling.enabled" : "calling.disabled",
      data: { enterpriseId: enterprise.id, userId: id, userPrincipalName: before.userPrincipalName },
    });
    return usersRepository(deps.db).update(
      tenantScope(enterprise),
      id,
      {
        callingEnabled: enabled,
        steps: freshSteps(next),
        status: connected ? "queued" : "pending-consent",
        lastError: null,
      },
      tx,
    );
  });
  if (row?.status === "queued") await deps.jobs.enqueueProvisioning(id);
  return row!;
}

/** Re-runs a failed or stuck provisioning from its first unfinished step. */
export async function retryProvisioning(
  deps: Pick<UserServiceDeps, "db" | "jobs">,
  enterprise: Account,
  id: string,
) {
  const before = await getUser(deps.db, enterprise, id);
  const connected = Boolean(await connectedTenant(deps.db, enterprise.id));
  const steps = before.steps.map((s) =>
    s.status === "failed" || s.status === "running" ? { ...s, status: "pending" as const } : s,
  );
  const row = await usersRepository(deps.db).update(tenantScope(enterprise), id, {
    steps,
    status: connected ? "queued" : "pending-consent",
  });
  if (row?.status === "queued") await deps.jobs.enqueueProvisioning(id);
  return row!;
}

/**
 * "Check now" on a user whose provisioning waits for Microsoft (e.g. Teams provisioning of a newly licensed
 * user): the job checks at once instead of at its next scheduled check. 409 when nothing waits.
 */
export async function checkProvisioningNow(
  deps: Pick<UserServiceDeps, "db" | "jobs">,
  audit: AuditContext,
  enterprise: Account,
  id: string,
) {
  const user = await getUser(deps.db, enterprise, id);
  const waiting = user.steps.find((s) => s.status !== "done" && s.data?.waiting);
  if (!waiting || user.status !== "queued")
    throw Problem.conflict("Nothing in this user's provisioning is waiting for Microsoft.");
  await recordAudit(deps.db, audit, {
    action: "teams-user.check-now",
    accountId: enterprise.id,
    targetType: "provisioned-user",
    targetId: id,
  });
  await deps.jobs.checkNow(id);
}

/** Users waiting for consent whose enterprise is now connected: queue them (the schedule's sweep). */
export async function resumePendingConsent(db: Database, jobs: ProvisioningJobs): Promise<number> {
  const ids = await usersRepository(db).platform.queueUsersWithConsent();
  for (const id of ids) await jobs.enqueueProvisioning(id);
  return ids.length;
}
