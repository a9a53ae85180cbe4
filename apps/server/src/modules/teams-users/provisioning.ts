import { setTimeout as sleep } from "node:timers/promises";
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

/** A failure that belongs to an earlier step than the one that found it (the number operation, seen at verify). */
class StepFailed extends Error {
  constructor(
    readonly key: string,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

type Observed = ProvisionedUser["observed"];

/** What a step's Microsoft call came to. */
interface StepOutcome {
  /** `running`: started at Microsoft (the number operation); the verify step sees its result. */
  status: "done" | "skipped" | "running";
  /** Kept on the step, e.g. the operation being followed, so a restart resumes instead of repeating. */
  data?: Record<string, unknown>;
  /** Other steps this call finished too (the dial plan granted with the voice routing policy, the number seen at verify). */
  completes?: string[];
  observed?: Observed;
}

interface StepContext {
  /** The customer's Microsoft 365 tenant, as connected when the job started (its PowerShell session's). */
  tenantId: string;
  policyName: string | null;
  dialPlanName: string | null;
  steps: ProvisioningStep[];
  /** The previous run stopped mid-way (killed): a write may have reached Microsoft before it was saved. */
  resumed: boolean;
}

/**
 * Runs the user's remaining steps. Each Microsoft call's outcome is saved once, after it (one UPDATE of the row:
 * steps, status and last run together); the last step's is saved with the final status. Enabling costs four Microsoft
 * requests: assignNumber (its operation is not waited for), one policy assignment carrying the voice routing
 * policy and the dial plan, the voicemail cmdlet, and the read-back (`userConfigurations/{id}`), which also shows
 * the number operation's result; the operation itself is polled only when the read-back does not show the number.
 * A restart resumes after the last saved step and follows a saved operation instead of starting another.
 */
export async function runProvisioning(
  deps: ProvisioningDeps,
  provisionedUserId: string,
  options: { signal?: AbortSignal; api?: VoiceApi; retry?: boolean } = {},
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
  // Nothing left (a second job for a user another one finished, e.g. queued again by the schedule's safety net).
  if (user.status === "done" && user.steps.length > 0 && user.steps.every((s) => !isOpen(s)))
    return { status: "done" };
  // A retry of the job, or `running` left behind, is a run that did not finish (a worker killed mid-way).
  const resumed = options.retry === true || user.status === "running";
  let steps = user.steps.length > 0 ? user.steps : freshSteps(user);
  // The row turns `running` with the first outcome's save (not a write of its own).
  const running = { status: "running" as const, lastRunAt: new Date() };

  const profile = await findTeamsProfile(db, user.enterpriseAccountId);
  const [region] = await findRegions(db, [user.regionId]);
  let observed: Observed | undefined;

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step.status === "done" || step.status === "skipped") continue;
    options.signal?.throwIfAborted();
    try {
      const outcome = await runStep(deps, api, user, step, {
        tenantId: connection.tenantId,
        policyName: profile && region ? voiceRoutingPolicyName(profile.pstnUsage, region.name) : null,
        dialPlanName: profile?.dialPlanName ?? null,
        steps,
        resumed,
      });
      if (outcome.observed !== undefined) observed = outcome.observed;
      const unchanged = outcome.status === "running" && step.status === "running" && !outcome.data;
      steps = settled(steps, i, outcome);
      // The last step's outcome is saved with the final status, below.
      if (unchanged || i === steps.length - 1) continue;
      await save(db, user.id, { steps, lastError: null, ...running });
    } catch (thrown) {
      const at = thrown instanceof StepFailed ? steps.findIndex((s) => s.key === thrown.key) : i;
      const error = thrown instanceof StepFailed ? thrown.cause : thrown;
      const failure = classifyMicrosoftFailure(error);
      if (failure.kind === "waitingForMicrosoft") {
        // Waiting is a state: the step keeps what is awaited since when, and the job checks again later.
        const previous = steps[at]!.data?.waiting as
          | { what: string; since: string; checks: number }
          | undefined;
        const same = previous?.what === failure.wait.what;
        const sinceMs = same ? Date.parse(previous.since) : Date.now();
        const checks = same ? previous.checks + 1 : 0;
        const next = nextCheckAt(failure.wait, sinceMs, checks);
        const { operation: _done, startedAt: _started, ...data } = steps[at]!.data ?? {};
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
          steps = replace(steps, at, {
            ...steps[at]!,
            status: "pending",
            error: message,
            data: { ...data, waiting },
          });
          await save(db, user.id, {
            steps,
            lastError: message,
            status: "queued",
            lastRunAt: running.lastRunAt,
          });
          throw new RetryLater(Math.max(1, (next - Date.now()) / 1000), message);
        }
        const message = `Microsoft has not finished the ${failure.wait.what} within ${Math.round(failure.wait.maxDelaySeconds / 3600)} hours. ${failure.wait.whenOverdue}`;
        steps = replace(steps, at, { ...steps[at]!, status: "failed", error: message, data });
        await saveFailed(db, user, { steps, lastError: message });
        return { status: "failed" };
      }
      const message = describe(error);
      // A number operation that failed is over: a retry starts a new one.
      const { operation: _over, startedAt: _since, ...rest } = steps[at]!.data ?? {};
      steps = replace(steps, at, {
        ...steps[at]!,
        status: "failed",
        at: new Date().toISOString(),
        error: message,
        data: thrown instanceof StepFailed ? rest : steps[at]!.data,
      });
      const permanent =
        error instanceof ProvisioningConflict || (error instanceof MicrosoftApiError && !error.transient);
      if (permanent) {
        await saveFailed(db, user, { steps, lastError: message });
        return { status: "failed" };
      }
      await save(db, user.id, { steps, lastError: message, status: "queued", lastRunAt: running.lastRunAt });
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
    await save(tx, provisioned.id, {
      lastRunAt: running.lastRunAt,
      status: "done",
      steps,
      lastError: null,
      ...(observed === undefined ? {} : { observed }),
    });
    await emitEvent(tx, {
      accountId: provisioned.enterpriseAccountId,
      type: "user.provisioned",
      data: userEventData(provisioned),
    });
  });
  return { status: "done" };
}

/** The steps once step `index` came to `outcome` (with the steps its call completed too). */
function settled(steps: ProvisioningStep[], index: number, outcome: StepOutcome): ProvisioningStep[] {
  const at = new Date().toISOString();
  return steps.map((s, j) => {
    if (j === index && outcome.status === "running") {
      // Started again while waiting for Microsoft: the wait (and its count of checks) holds until the result.
      return { ...s, status: outcome.status, at, data: { ...s.data, ...outcome.data } };
    }
    if (j === index) {
      const { waiting: _waited, ...kept } = s.data ?? {};
      return { ...s, status: outcome.status, at, error: undefined, data: { ...kept, ...outcome.data } };
    }
    if (s.status !== "done" && outcome.completes?.includes(s.key)) {
      const { waiting: _waited, ...kept } = s.data ?? {};
      return { ...s, status: "done", at, error: undefined, data: kept };
    }
    return s;
  });
}

const isOpen = (step: ProvisioningStep | undefined) =>
  step !== undefined && step.status !== "done" && step.status !== "skipped";

async function runStep(
  deps: ProvisioningDeps,
  api: VoiceApi,
  user: ProvisionedUser,
  step: ProvisioningStep,
  ctx: StepContext,
): Promise<StepOutcome> {
  const userId = user.teamsUserObjectId;
  const open = (key: string) => isOpen(ctx.steps.find((s) => s.key === key));
  switch (step.key) {
    case "assign-number": {
      // Started before: the verify step sees its result.
      if (step.data?.operation) return { status: "running" };
      if (ctx.resumed) {
        // The killed run may have started the assignment without saving it; Microsoft shows whether it did.
        const current = await api.findNumber(user.phoneNumber);
        if (current?.assignmentTargetId === userId && current.assignmentStatus !== "unassigned")
          return { status: "done" };
      }
      // No pre-check: assignNumber itself refuses a number assigned to someone else (its operation fails),
      // and verify explains that failure (explainAssignFailure).
      const operation = await api.startNumberOperation("assign", user.phoneNumber, userId);
      return { status: "running", data: { operation, startedAt: new Date().toISOString() } };
    }
    case "grant-voice-routing-policy":
    case "grant-dial-plan": {
      // One request for both (the assignment's `value` is a collection); the dial plan alone on a resumed run.
      const keys = [
        step.key,
        ...(step.key === "grant-voice-routing-policy" && open("grant-dial-plan") && ctx.dialPlanName
          ? ["grant-dial-plan"]
          : []),
      ];
      const policies = [];
      for (const key of keys) {
        const type = key === "grant-dial-plan" ? DIAL_PLAN : VOICE_ROUTING_POLICY;
        const name = key === "grant-dial-plan" ? ctx.dialPlanName : ctx.policyName;
        policies.push({ type, policyId: await policyIdOf(api, type, name) });
      }
      await api.assignPolicies(userId, policies);
      return { status: "done", completes: keys.slice(1) };
    }
    case "disable-voicemail": {
      const { teamsPowerShell } = await deps.microsoft.tenant(ctx.tenantId);
      await teamsPowerShell.run("Set-CsOnlineVoicemailUserSettings", {
        Identity: userId,
        VoicemailEnabled: false,
      });
      return { status: "done" };
    }
    case "unassign-number": {
      const operation = step.data?.operation as string | undefined;
      if (operation) {
        await api.awaitOperation(operation);
        return { status: "done" };
      }
      // Kept: unassignNumber names only the number, so without this check it could take another user's.
      const current = await api.findNumber(user.phoneNumber);
      if (!current || current.assignmentTargetId !== userId || current.assignmentStatus === "unassigned")
        return { status: "skipped" };
      const path = await api.startNumberOperation("unassign", user.phoneNumber);
      const index = ctx.steps.indexOf(step);
      await save(deps.db, user.id, {
        steps: replace(ctx.steps, index, { ...step, data: { ...step.data, operation: path } }),
      });
      await api.awaitOperation(path);
      return { status: "done" };
    }
    case "remove-voice-routing-policy":
    case "remove-dial-plan": {
      const both = step.key === "remove-voice-routing-policy" && open("remove-dial-plan");
      await api.unassignPolicies(userId, [
        step.key === "remove-dial-plan" ? DIAL_PLAN : VOICE_ROUTING_POLICY,
        ...(both ? [DIAL_PLAN] : []),
      ]);
      return { status: "done", completes: both ? ["remove-dial-plan"] : [] };
    }
    case "verify":
      return verify(deps, api, user, ctx);
    default:
      return { status: "skipped" };
  }
}

async function policyIdOf(api: VoiceApi, type: string, name: string | null) {
  if (!name)
    throw new ProvisioningConflict(
      type === DIAL_PLAN
        ? "The enterprise's Teams profile has no dial plan."
        : "The enterprise has no Teams profile or voice route; finish its setup first.",
    );
  const id = await api.policyId(type, name);
  if (!id)
    throw new ProvisioningConflict(
      `The ${type} "${name}" does not exist in the tenant; run the Direct Routing setup.`,
    );
  return id;
}

/**
 * The read-back: Microsoft's view of the user (`userConfigurations/{id}`), compared with the desired state. It
 * also settles a number operation started earlier in the run: the number shown on the user means it succeeded;
 * otherwise the operation is polled for its result. An account Teams cannot serve (`accountType`
 * `sfbOnPremUser`/`ineligibleUser`, which the sync checks every round too) is found here: what this run
 * assigned is withdrawn, and the user fails with the reason.
 */
async function verify(
  deps: ProvisioningDeps,
  api: VoiceApi,
  user: ProvisionedUser,
  ctx: StepContext,
): Promise<StepOutcome> {
  const userId = user.teamsUserObjectId;
  const assign = ctx.steps.find((s) => s.key === "assign-number" && isOpen(s) && s.data?.operation);
  const operation = assign?.data?.operation as string | undefined;
  if (assign) {
    // Not before the operation's typical time (usually over: two other calls ran since it started).
    const startedAt = Date.parse(String(assign.data?.startedAt ?? "")) || 0;
    const wait = startedAt + api.operationTypicalMs - Date.now();
    if (wait > 0) await sleep(wait);
  }
  let state = await api.voiceState(userId);
  const unusable = state ? UNUSABLE_ACCOUNT_TYPES[state.accountType] : undefined;
  if (unusable) {
    await withdraw(api, user, ctx, operation);
    await markIneligible(deps.db, user, unusable);
    throw new StepFailed("assign-number", new ProvisioningConflict(`${unusable}.`));
  }
  if (operation && !state?.numbers.includes(user.phoneNumber)) {
    try {
      await api.awaitOperation(operation);
    } catch (error) {
      // Still running after the inline wait, or a transient error: the operation stays, the job retries verify.
      if (!(error instanceof MicrosoftApiError && error.code === "OperationFailed")) throw error;
      throw new StepFailed("assign-number", await explainAssignFailure(deps.db, api, user, error));
    }
    // The operation ended after the read-back: read again.
    state = await api.voiceState(userId);
  }
  const observed = state
    ? {
        enterpriseVoiceEnabled: state.enterpriseVoiceEnabled,
        numbers: state.numbers,
        policies: state.policies,
        at: new Date().toISOString(),
      }
    : null;
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
    if (missing.length > 0) {
      await save(deps.db, user.id, { observed });
      throw new Error(`Microsoft does not show ${missing.join(", ")} yet.`);
    }
  }
  return { status: "done", completes: assign ? ["assign-number"] : [], observed };
}

/** A failed assignNumber operation: a number held by someone else is a conflict, reported on the number too. */
async function explainAssignFailure(db: Database, api: VoiceApi, user: ProvisionedUser, error: unknown) {
  const current = await api.findNumber(user.phoneNumber);
  if (
    !current?.assignmentTargetId ||
    current.assignmentStatus === "unassigned" ||
    current.assignmentTargetId === user.teamsUserObjectId
  )
    return error;
  await reportConflict(
    db,
    user.phoneNumber,
    `Assigned in Microsoft Teams to another user (${current.assignmentTargetId}).`,
  );
  return new ProvisioningConflict(
    `${user.phoneNumber} is already assigned in Microsoft Teams to someone else; it was not overwritten.`,
  );
}

/** Takes back what this run gave an account Teams cannot serve: the number (once its operation ended), the policies. */
async function withdraw(
  api: VoiceApi,
  user: ProvisionedUser,
  ctx: StepContext,
  operation: string | undefined,
) {
  const userId = user.teamsUserObjectId;
  if (operation) await api.awaitOperation(operation).catch(() => undefined);
  const current = await api.findNumber(user.phoneNumber);
  if (current?.assignmentTargetId === userId && current.assignmentStatus !== "unassigned")
    await api.awaitOperation(await api.startNumberOperation("unassign", user.phoneNumber));
  const granted = ctx.steps
    .filter(
      (s) => s.status === "done" && (s.key === "grant-voice-routing-policy" || s.key === "grant-dial-plan"),
    )
    .map((s) => (s.key === "grant-dial-plan" ? DIAL_PLAN : VOICE_ROUTING_POLICY));
  if (granted.length > 0) await api.unassignPolicies(userId, granted);
}

/** Graph teamsUserConfiguration.accountType: such an account cannot get Teams calling; the Users page says why. */
async function markIneligible(db: Database, user: ProvisionedUser, reason: string) {
  await db
    .update(teamsUsers)
    .set({ eligible: false, ineligibleReason: reason })
    .where(
      and(
        eq(teamsUsers.enterpriseAccountId, user.enterpriseAccountId),
        eq(teamsUsers.objectId, user.teamsUserObjectId),
      ),
    );
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
  if (error instanceof StepFailed) return describe(error.cause);
  if (error instanceof MicrosoftApiError) return error.message.slice(0, 500);
  if (error instanceof RetryLater) return error.message;
  return (error as Error).message?.slice(0, 500) ?? String(error);
}
