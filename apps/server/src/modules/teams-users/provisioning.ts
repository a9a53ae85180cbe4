import { and, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client.js";
import { RetryLater } from "../../jobs/define-job.js";
import {
  classifyMicrosoftFailure,
  connectedTenant,
  type DeltaUser,
  MicrosoftApiError,
  type MicrosoftDeps,
  nextCheckAt,
  type VoiceApi,
} from "../microsoft/index.js";
import { releaseNumber, reportConflict } from "../numbers/index.js";
import { findRegions } from "../operator-settings/index.js";
import { findTeamsProfile, regionObjectName } from "../teams-profiles/index.js";
import { emitEvent } from "../webhooks/index.js";
import { syncEligibility, UNUSABLE_ACCOUNT_TYPES } from "./eligibility.js";
import {
  PENDING_PREFIX,
  type ProvisionedUser,
  type ProvisioningStep,
  provisionedUsers,
  teamsUsers,
} from "./schema.js";

export const VOICE_ROUTING_POLICY = "OnlineVoiceRoutingPolicy";
export const DIAL_PLAN = "TenantDialPlan";

/** The voice routing policy the Direct Routing setup created for the region (teams-profiles' naming). */
export const voiceRoutingPolicyName = regionObjectName;

export interface ProvisioningDeps extends MicrosoftDeps {
  db: Database;
}

/** The steps that bring Microsoft to the desired state, in the safe order. */
export function planFor(
  user: Pick<ProvisionedUser, "callingEnabled" | "deleting" | "assignDialPlan" | "disableVoicemail">,
): string[] {
  if (user.callingEnabled && !user.deleting) {
    return [
      "assign-number",
      "grant-voice-routing-policy",
      ...(user.assignDialPlan ? ["grant-dial-plan"] : []),
      ...(user.disableVoicemail ? ["disable-voicemail"] : []),
      "verify",
    ];
  }
  // Disable (and delete): the number goes first, then the policies.
  return [
    "unassign-number",
    "remove-voice-routing-policy",
    ...(user.assignDialPlan ? ["remove-dial-plan"] : []),
    "verify",
  ];
}

export function freshSteps(user: Parameters<typeof planFor>[0]): ProvisioningStep[] {
  return planFor(user).map((key) => ({ key, status: "pending" }));
}

export class ProvisioningConflict extends Error {}

/**
 * Graph teamsUserConfiguration.accountType: `sfbOnPremUser` (homed in Skype for Business Server on premises) and
 * `ineligibleUser` (no Teams licence) cannot get Teams calling. Such a user is marked ineligible with the reason
 * and its provisioning fails with it.
 */
async function assertTeamsAccountUsable(db: Database, api: VoiceApi, user: ProvisionedUser) {
  const state = await api.voiceState(user.teamsUserObjectId);
  const reason = state ? UNUSABLE_ACCOUNT_TYPES[state.accountType] : undefined;
  if (!reason) return;
  await db
    .update(teamsUsers)
    .set({ eligible: false, ineligibleReason: reason })
    .where(
      and(
        eq(teamsUsers.enterpriseAccountId, user.enterpriseAccountId),
        eq(teamsUsers.objectId, user.teamsUserObjectId),
      ),
    );
  throw new ProvisioningConflict(`${reason}.`);
}

/**
 * Runs the user's remaining steps one at a time. Each finished step is saved before the next starts,
 * so a crash or restart resumes after the last finished step; each step also checks Microsoft first
 * (a number already assigned to this user is not assigned again).
 */
export async function runProvisioning(
  deps: ProvisioningDeps,
  provisionedUserId: string,
  options: { signal?: AbortSignal; api?: VoiceApi } = {},
): Promise<{ status: string }> {
  const { db } = deps;
  let [user] = await db.select().from(provisionedUsers).where(eq(provisionedUsers.id, provisionedUserId));
  if (!user) return { status: "gone" };
  const connection = await connectedTenant(db, user.enterpriseAccountId);
  if (!connection) {
    await db
      .update(provisionedUsers)
      .set({ status: "pending-consent", updatedAt: new Date() })
      .where(eq(provisionedUsers.id, user.id));
    return { status: "pending-consent" };
  }
  const api =
    options.api ?? (await deps.microsoft.tenant(connection.tenantId, { signal: options.signal })).graph.voice;
  if (user.teamsUserObjectId.startsWith(PENDING_PREFIX)) {
    const resolved = await resolvePendingUser(db, api, user);
    if (!resolved) return { status: "failed" };
    user = resolved;
  }
  let steps = user.steps.length > 0 ? user.steps : freshSteps(user);
  await save(db, user.id, { status: "running", steps, lastRunAt: new Date() });

  const profile = await findTeamsProfile(db, user.enterpriseAccountId);
  const [region] = await findRegions(db, [user.regionId]);

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.status === "done" || step.status === "skipped") continue;
    options.signal?.throwIfAborted();
    steps = replace(steps, i, { ...step, status: "running", at: new Date().toISOString() });
    await save(db, user.id, { steps });
    try {
      const outcome = await runStep(deps, api, user, steps[i]!, {
        policyName: profile && region ? voiceRoutingPolicyName(profile.pstnUsage, region.name) : null,
        dialPlanName: profile?.dialPlanName ?? null,
        saveData: async (data) => {
          steps = replace(steps, i, { ...steps[i]!, data: { ...steps[i]!.data, ...data } });
          await save(db, user.id, { steps });
        },
      });
      const { waiting: _waited, ...kept } = steps[i]!.data ?? {};
      steps = replace(steps, i, {
        ...steps[i]!,
        status: outcome,
        at: new Date().toISOString(),
        error: undefined,
        data: kept,
      });
      await save(db, user.id, { steps, lastError: null });
    } catch (error) {
      const failure = classifyMicrosoftFailure(error);
      if (failure.kind === "waitingForMicrosoft") {
        // Waiting is a state: the step keeps what is awaited since when, and the job checks again later.
        const previous = steps[i]!.data?.waiting as
          | { what: string; since: string; checks: number }
          | undefined;
        const same = previous?.what === failure.wait.what;
        const sinceMs = same ? Date.parse(previous.since) : Date.now();
        const checks = same ? previous.checks + 1 : 0;
        const next = nextCheckAt(failure.wait, sinceMs, checks);
        const { operation: _done, ...data } = steps[i]!.data ?? {};
        if (next !== null) {
          const waiting = {
            what: failure.wait.what,
            since: new Date(sinceMs).toISOString(),
            usualDelaySeconds: failure.wait.usualDelaySeconds,
            maxDelaySeconds: failure.wait.maxDelaySeconds,
            nextCheckAt: new Date(next).toISOString(),
            checks,
          };
          const message = `Waiting for Microsoft: ${failure.wait.what}`;
          steps = replace(steps, i, {
            ...steps[i]!,
            status: "pending",
            error: message,
            data: { ...data, waiting },
          });
          await save(db, user.id, { steps, lastError: message, status: "queued" });
          throw new RetryLater(Math.max(1, (next - Date.now()) / 1000), message);
        }
        const message = `Microsoft has not finished the ${failure.wait.what} within ${Math.round(failure.wait.maxDelaySeconds / 3600)} hours. ${failure.wait.whenOverdue}`;
        steps = replace(steps, i, { ...steps[i]!, status: "failed", error: message, data });
        await saveFailed(db, user, { steps, lastError: message });
        return { status: "failed" };
      }
      const message = describe(error);
      steps = replace(steps, i, {
        ...steps[i]!,
        status: "failed",
        at: new Date().toISOString(),
        error: message,
      });
      const permanent =
        error instanceof ProvisioningConflict || (error instanceof MicrosoftApiError && !error.transient);
      if (permanent) {
        await saveFailed(db, user, { steps, lastError: message });
        return { status: "failed" };
      }
      await save(db, user.id, { steps, lastError: message, status: "queued" });
      throw error;
    }
  }

  if (user.deleting) {
    await db.transaction(async (tx) => {
      await tx.delete(provisionedUsers).where(eq(provisionedUsers.id, user.id));
      await releaseNumber(tx, user.phoneNumber, user.enterpriseAccountId, deps.config.NUMBER_QUARANTINE_DAYS);
      await emitEvent(tx, {
        accountId: user.enterpriseAccountId,
        type: "user.deprovisioned",
        data: userEventData(user),
      });
    });
    return { status: "deleted" };
  }
  const provisioned = user;
  await db.transaction(async (tx) => {
    await save(tx, provisioned.id, { status: "done", lastError: null });
    await emitEvent(tx, {
      accountId: provisioned.enterpriseAccountId,
      type: "user.provisioned",
      data: userEventData(provisioned),
    });
  });
  return { status: "done" };
}

interface StepContext {
  policyName: string | null;
  dialPlanName: string | null;
  saveData(data: Record<string, unknown>): Promise<void>;
}

async function runStep(
  deps: ProvisioningDeps,
  api: VoiceApi,
  user: ProvisionedUser,
  step: ProvisioningStep,
  ctx: StepContext,
): Promise<"done" | "skipped"> {
  const userId = user.teamsUserObjectId;
  switch (step.key) {
    case "assign-number": {
      const operation = step.data?.operation as string | undefined;
      if (!operation) {
        await assertTeamsAccountUsable(deps.db, api, user);
        const current = await api.findNumber(user.phoneNumber);
        if (current?.assignmentTargetId && current.assignmentStatus !== "unassigned") {
          if (current.assignmentTargetId === userId) return "done";
          await reportConflict(
            deps.db,
            user.phoneNumber,
            `Assigned in Microsoft Teams to another user (${current.assignmentTargetId}).`,
          );
          throw new ProvisioningConflict(
            `${user.phoneNumber} is already assigned in Microsoft Teams to someone else; it was not overwritten.`,
          );
        }
        const path = await api.startNumberOperation("assign", user.phoneNumber, userId);
        await ctx.saveData({ operation: path });
        await api.awaitOperation(path);
        return "done";
      }
      await api.awaitOperation(operation);
      return "done";
    }
    case "grant-voice-routing-policy": {
      if (!ctx.policyName)
        throw new ProvisioningConflict(
          "The enterprise has no Teams profile or voice route; finish its setup first.",
        );
      await grant(api, userId, VOICE_ROUTING_POLICY, ctx.policyName);
      return "done";
    }
    case "grant-dial-plan": {
      if (!ctx.dialPlanName)
        throw new ProvisioningConflict("The enterprise's Teams profile has no dial plan.");
      await grant(api, userId, DIAL_PLAN, ctx.dialPlanName);
      return "done";
    }
    case "disable-voicemail": {
      const connection = await connectedTenant(deps.db, user.enterpriseAccountId);
      if (!connection) throw new RetryLater(60, "Waiting for consent.");
      const { teamsPowerShell } = await deps.microsoft.tenant(connection.tenantId);
      await teamsPowerShell.run("Set-CsOnlineVoicemailUserSettings", {
        Identity: userId,
        VoicemailEnabled: false,
      });
      return "done";
    }
    case "unassign-number": {
      const operation = step.data?.operation as string | undefined;
      if (operation) {
        await api.awaitOperation(operation);
        return "done";
      }
      const current = await api.findNumber(user.phoneNumber);
      if (!current || current.assignmentTargetId !== userId || current.assignmentStatus === "unassigned")
        return "skipped";
      const path = await api.startNumberOperation("unassign", user.phoneNumber);
      await ctx.saveData({ operation: path });
      await api.awaitOperation(path);
      return "done";
    }
    case "remove-voice-routing-policy":
      await api.unassignPolicy(userId, VOICE_ROUTING_POLICY);
      return "done";
    case "remove-dial-plan":
      await api.unassignPolicy(userId, DIAL_PLAN);
      return "done";
    case "verify": {
      const state = await api.voiceState(userId);
      await deps.db
        .update(provisionedUsers)
        .set({
          observed: state
            ? {
                enterpriseVoiceEnabled: state.enterpriseVoiceEnabled,
                numbers: state.numbers,
                policies: state.policies,
                at: new Date().toISOString(),
              }
            : null,
        })
        .where(eq(provisionedUsers.id, user.id));
      if (user.callingEnabled && !user.deleting) {
        if (!state) throw new ProvisioningConflict("The Teams user no longer exists in Microsoft 365.");
        const missing: string[] = [];
        if (!state.numbers.includes(user.phoneNumber)) missing.push(`number ${user.phoneNumber}`);
        if (
          ctx.policyName &&
          state.policies[VOICE_ROUTING_POLICY]?.toLowerCase() !== ctx.policyName.toLowerCase()
        )
          missing.push("voice routing policy");
        if (
          user.assignDialPlan &&
          ctx.dialPlanName &&
          state.policies[DIAL_PLAN]?.toLowerCase() !== ctx.dialPlanName.toLowerCase()
        )
          missing.push("dial plan");
        if (missing.length > 0) throw new Error(`Microsoft does not show ${missing.join(", ")} yet.`);
      }
      return "done";
    }
    default:
      return "skipped";
  }
}

async function grant(api: VoiceApi, userId: string, type: string, name: string) {
  const id = await api.policyId(type, name);
  if (!id)
    throw new ProvisioningConflict(
      `The ${type} "${name}" does not exist in the tenant; run the Direct Routing setup.`,
    );
  await api.assignPolicy(userId, type, id);
}

/**
 * A user typed by UPN before consent: find them in Microsoft now. Missing or not eligible (no Teams Phone
 * licence…) fails with the reason; otherwise the row takes the real object id.
 */
async function resolvePendingUser(
  db: Database,
  api: VoiceApi,
  user: ProvisionedUser,
): Promise<ProvisionedUser | null> {
  const upn = user.teamsUserObjectId.slice(PENDING_PREFIX.length);
  const fail = async (message: string) => {
    await saveFailed(db, user, { lastError: message });
    return null;
  };
  const response = await api.graph.get<DeltaUser>(
    `/users/${encodeURIComponent(upn)}?$select=id,userPrincipalName,displayName,mail,accountEnabled,usageLocation,assignedPlans,userType,isResourceAccount`,
    [404],
  );
  if (response.status === 404) return fail(`There is no user ${upn} in the Microsoft 365 tenant.`);
  const found = response.body;
  const eligibility = syncEligibility(found);
  if (!eligibility.eligible) return fail(`${upn} cannot be provisioned: ${eligibility.reason}.`);
  return db.transaction(async (tx) => {
    const [taken] = await tx
      .select({ id: provisionedUsers.id })
      .from(provisionedUsers)
      .where(
        and(
          eq(provisionedUsers.enterpriseAccountId, user.enterpriseAccountId),
          eq(provisionedUsers.teamsUserObjectId, found.id),
        ),
      );
    if (taken) {
      await tx
        .update(provisionedUsers)
        .set({ status: "failed", lastError: `${upn} is already added.` })
        .where(eq(provisionedUsers.id, user.id));
      return null;
    }
    await tx
      .insert(teamsUsers)
      .values({
        enterpriseAccountId: user.enterpriseAccountId,
        objectId: found.id,
        userPrincipalName: found.userPrincipalName ?? upn,
        displayName: found.displayName ?? "",
        mail: found.mail ?? null,
        accountEnabled: found.accountEnabled !== false,
        usageLocation: found.usageLocation ?? null,
        hasTeamsPhone: eligibility.hasTeamsPhone,
        eligible: true,
      })
      .onConflictDoNothing();
    await tx
      .delete(teamsUsers)
      .where(
        and(
          eq(teamsUsers.enterpriseAccountId, user.enterpriseAccountId),
          eq(teamsUsers.objectId, user.teamsUserObjectId),
        ),
      );
    const [updated] = await tx
      .update(provisionedUsers)
      .set({
        teamsUserObjectId: found.id,
        displayName: found.displayName ?? "",
        userPrincipalName: found.userPrincipalName ?? upn,
      })
      .where(eq(provisionedUsers.id, user.id))
      .returning();
    return updated ?? null;
  });
}

function replace(steps: ProvisioningStep[], index: number, step: ProvisioningStep): ProvisioningStep[] {
  return steps.map((s, i) => (i === index ? step : s));
}

async function save(db: Executor, id: string, values: Partial<typeof provisionedUsers.$inferInsert>) {
  await db
    .update(provisionedUsers)
    .set({ ...values, updatedAt: new Date() })
    .where(and(eq(provisionedUsers.id, id), sql`true`));
}

/** Saves a failed user and emits `user.failed` in one transaction. */
async function saveFailed(
  db: Database,
  user: ProvisionedUser,
  values: Partial<typeof provisionedUsers.$inferInsert> & { lastError: string },
) {
  await db.transaction(async (tx) => {
    await save(tx, user.id, { ...values, status: "failed" });
    await emitEvent(tx, {
      accountId: user.enterpriseAccountId,
      type: "user.failed",
      data: userEventData(user, { error: values.lastError }),
    });
  });
}

function userEventData<Extra extends object>(user: ProvisionedUser, extra: Extra = {} as Extra) {
  return {
    enterpriseId: user.enterpriseAccountId,
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    ...extra,
  };
}

function describe(error: unknown): string {
  if (error instanceof MicrosoftApiError) return error.message.slice(0, 500);
  if (error instanceof RetryLater) return error.message;
  return (error as Error).message?.slice(0, 500) ?? String(error);
}
