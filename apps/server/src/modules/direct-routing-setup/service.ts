import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database } from "../../db/client.js";
import { RetryLater } from "../../jobs/define-job.js";
import {
  classifyMicrosoftFailure,
  MICROSOFT_WAITS,
  MicrosoftNotConfigured,
  type MicrosoftPort,
  type MicrosoftWait,
  nextCheckAt,
} from "../microsoft/index.js";
import { effectiveOperatorSettings, findRegions } from "../operator-settings/index.js";
import { accountRepository } from "../tenancy/index.js";
import { activateTrunkProfile } from "../trunks/index.js";
import { emitEvent } from "../webhooks/index.js";
import { dnsAdapterFor } from "./dns.js";
import { setupPrerequisites } from "./prerequisites.js";
import { setupRepository } from "./repository.js";
import type { DirectRoutingSetup, DirectRoutingSetupStep } from "./schema.js";
import {
  SETUP_STEPS,
  SetupError,
  type SetupStep,
  STEP_KEYS,
  type StepContext,
  type StepKey,
} from "./steps.js";

export interface SetupDeps {
  db: Database;
  config: Config;
  secrets: SecretBox;
  log: Logger;
  microsoft: MicrosoftPort;
}

/** Seconds between automatic DNS re-checks while the TXT record is not visible to Microsoft. */
export const DNS_RECHECK_SECONDS = 300;

export type SetupOutcome = "completed" | "waiting" | "failed" | "not-ready";

export interface RunOptions {
  signal?: AbortSignal;
  /** The job attempt; the last one turns a transient error into a visible failure. */
  attempt?: number;
  lastAttempt?: boolean;
  /** Inline wait limit for Retry-After (tests use short ones). */
  maxInlineWaitSeconds?: number;
}

/** The step states a partner's systems hear about (`setup.step-changed`); "running" and "pending" are not. */
const NOTIFIED_STEP_STATUSES = new Set(["done", "waiting", "failed"]);

/**
 * A step's state, and the setup's when given, in one transaction with the webhook events they mean, so the
 * checklist never shows one without the other and an event exists exactly when its change committed.
 */
async function saveProgress(
  db: Database,
  enterpriseAccountId: string,
  key: StepKey,
  step: Partial<DirectRoutingSetupStep>,
  setup?: Partial<DirectRoutingSetup>,
) {
  await db.transaction(async (tx) => {
    const run = setupRepository(tx).run;
    await run.setStep(enterpriseAccountId, key, step);
    if (setup) await run.setSetup(enterpriseAccountId, setup);
    const enterpriseId = enterpriseAccountId;
    if (step.status && NOTIFIED_STEP_STATUSES.has(step.status))
      await emitEvent(tx, {
        accountId: enterpriseId,
        type: "setup.step-changed",
        data: { enterpriseId, step: key, status: step.status, error: step.lastError ?? null },
      });
    if (setup?.status === "failed")
      await emitEvent(tx, {
        accountId: enterpriseId,
        type: "setup.failed",
        data: { enterpriseId, step: key, error: step.lastError ?? "" },
      });
  });
}

/**
 * Runs the Direct Routing setup of one enterprise's tenant, resuming after the last finished step.
 * One run per enterprise at a time (a transaction-scoped advisory lock, released if the process dies).
 */
export async function runDirectRoutingSetup(
  deps: SetupDeps,
  enterpriseAccountId: string,
  options: RunOptions = {},
): Promise<SetupOutcome> {
  return deps.db.transaction(async (lockTx) => {
    if (!(await setupRepository(lockTx).run.tryLock(enterpriseAccountId, lockTx)))
      throw new RetryLater(10, "another run of this setup is in progress");
    return runLocked(deps, enterpriseAccountId, options);
  });
}

async function runLocked(
  deps: SetupDeps,
  enterpriseAccountId: string,
  options: RunOptions,
): Promise<SetupOutcome> {
  const { db } = deps;
  const run = setupRepository(db).run;
  const account = await accountRepository(db).findById(enterpriseAccountId);
  if (!account) return "not-ready";
  const { connection, trunk, teams, missing } = await setupPrerequisites(db, enterpriseAccountId);
  if (!connection || !trunk || !teams) {
    deps.log.info({ enterpriseAccountId, missing }, "Direct Routing setup not ready");
    return "not-ready";
  }
  const settings = await effectiveOperatorSettings(deps);
  if (!settings.microsoft.clientId) throw new MicrosoftNotConfigured();
  const clientOptions = { signal: options.signal, maxInlineWaitSeconds: options.maxInlineWaitSeconds ?? 30 };
  const microsoft = await deps.microsoft.tenant(connection.tenantId, clientOptions);
  const regions = await findRegions(db, teams.regionIds);

  await run.ensureRows(enterpriseAccountId, connection.tenantId, STEP_KEYS);
  const rows = await run.steps(enterpriseAccountId);
  const byKey = new Map(rows.map((r) => [r.key as StepKey, r]));
  // A step still waiting (not reset by Verify or Run again) whose next check is later than now belongs to a
  // newer re-check: this scheduled run is redundant, so at most one re-check chain stays alive.
  const waiting = rows.find((r) => r.status === "waiting");
  if (waiting && Number(waiting.data.nextCheckAt ?? 0) > Date.now() + 15_000) return "waiting";
  await run.setSetup(enterpriseAccountId, { status: "running", lastError: null });
  const ctx: StepContext = {
    tenantId: connection.tenantId,
    clientId: settings.microsoft.clientId,
    trunk,
    teams,
    regions,
    teamsPhoneSkuId: settings.teamsPhoneSkuId,
    graph: microsoft.graph,
    teamsConfig: microsoft.teamsPowerShell,
    identity: microsoft.identity,
    dns: dnsAdapterFor(settings.dnsAdapter, settings.microsoft),
    trunkRecord: settings.trunkRecord,
    data: (key) => byKey.get(key)?.data ?? {},
  };

  for (const step of SETUP_STEPS) {
    const row = byKey.get(step.key);
    if (row?.status === "done") continue;
    options.signal?.throwIfAborted();
    await run.setStep(enterpriseAccountId, step.key, {
      status: "running",
      attempts: (row?.attempts ?? 0) + 1,
    });
    let result: Awaited<ReturnType<typeof step.run>>;
    try {
      result = await step.run(ctx);
    } catch (error) {
      const failure =
        error instanceof SetupError
          ? ({ kind: "permanent", message: error.message } as const)
          : classifyMicrosoftFailure(error, { teamsAdminRoleAssigned: byKey.get("role")?.status === "done" });
      if (failure.kind === "waitingForMicrosoft") {
        // A 403 does not make msal-node fetch a new token: drop the cached ones so the next check gets a
        // token issued after the role propagated.
        if (failure.wait === MICROSOFT_WAITS.rolePropagation) ctx.identity.refreshTokens();
        return waitForMicrosoft(deps, enterpriseAccountId, step, row, failure.wait);
      }
      if (failure.kind === "retryLater") {
        const message = `Microsoft is throttling requests; retrying in ${Math.ceil(failure.seconds)} s.`;
        await run.setStep(enterpriseAccountId, step.key, { status: "pending", lastError: message });
        throw error;
      }
      if (failure.kind === "permanent" || options.lastAttempt) {
        await failStep(deps, enterpriseAccountId, step, failure.message, error);
        return "failed";
      }
      await run.setStep(enterpriseAccountId, step.key, {
        status: "pending",
        lastError: `${failure.message} (retrying)`,
      });
      throw error;
    }
    const { waiting: _waiting, nextCheckAt: _next, ...kept } = row?.data ?? {};
    const data = { ...kept, ...(result.data ?? {}) };
    if (result.status === "waiting") {
      const seconds = step.key === "dns" ? DNS_RECHECK_SECONDS : 30;
      const waitingData = { ...data, nextCheckAt: Date.now() + seconds * 1000 };
      await saveProgress(
        db,
        enterpriseAccountId,
        step.key,
        { status: "waiting", lastError: result.message, data: waitingData },
        { status: "waiting", lastError: result.message },
      );
      throw new RetryLater(seconds, result.message);
    }
    await saveProgress(db, enterpriseAccountId, step.key, { status: "done", lastError: null, data });
    byKey.set(step.key, { ...(row as DirectRoutingSetupStep), status: "done", data });
  }
  await db.transaction(async (tx) => {
    await setupRepository(tx).run.setSetup(enterpriseAccountId, {
      status: "completed",
      lastError: null,
      completedAt: new Date(),
    });
    await emitEvent(tx, {
      accountId: enterpriseAccountId,
      type: "setup.completed",
      data: { enterpriseId: enterpriseAccountId },
    });
  });
  await activateTrunkProfile(db, enterpriseAccountId);
  return "completed";
}

async function failStep(
  deps: SetupDeps,
  enterpriseAccountId: string,
  step: SetupStep,
  message: string,
  error: unknown,
) {
  await saveProgress(
    deps.db,
    enterpriseAccountId,
    step.key,
    { status: "failed", lastError: message },
    { status: "failed", lastError: `${step.title}: ${message}` },
  );
  deps.log.warn({ enterpriseAccountId, step: step.key, err: error }, "Direct Routing setup step failed");
}

/** What the checklist shows while Microsoft finishes something on its own (`data.waiting`). */
export interface WaitingState {
  what: string;
  since: string;
  usualDelaySeconds: number;
  maxDelaySeconds: number;
  nextCheckAt: string;
  checks: number;
}

/**
 * Waiting is a state, not a failure: the step shows what is awaited since when, and the job checks again with
 * back-off (failures.ts `nextCheckAt`) until Microsoft's maximum delay, then fails with what a partner can do.
 */
async function waitForMicrosoft(
  deps: SetupDeps,
  enterpriseAccountId: string,
  step: SetupStep,
  row: DirectRoutingSetupStep | undefined,
  wait: MicrosoftWait,
): Promise<SetupOutcome> {
  const previous = row?.data?.waiting as WaitingState | undefined;
  const same = previous?.what === wait.what;
  const sinceMs = same ? Date.parse(previous.since) : Date.now();
  const checks = same ? previous.checks + 1 : 0;
  const next = nextCheckAt(wait, sinceMs, checks);
  if (next === null) {
    const hours = Math.round(wait.maxDelaySeconds / 3600);
    await failStep(
      deps,
      enterpriseAccountId,
      step,
      `Microsoft has not finished the ${wait.what} within ${hours} hours, its documented maximum. ${wait.whenOverdue}`,
      new Error(`waited for ${wait.what}`),
    );
    return "failed";
  }
  const waiting: WaitingState = {
    what: wait.what,
    since: new Date(sinceMs).toISOString(),
    usualDelaySeconds: wait.usualDelaySeconds,
    maxDelaySeconds: wait.maxDelaySeconds,
    nextCheckAt: new Date(next).toISOString(),
    checks,
  };
  const message = `Waiting for Microsoft: ${wait.what}`;
  await saveProgress(
    deps.db,
    enterpriseAccountId,
    step.key,
    { status: "waiting", lastError: message, data: { ...(row?.data ?? {}), waiting, nextCheckAt: next } },
    { status: "waiting", lastError: message },
  );
  throw new RetryLater(Math.max(1, (next - Date.now()) / 1000), message);
}
