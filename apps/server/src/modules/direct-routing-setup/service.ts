import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Config } from "../../config/config.js";
import type { SecretBox } from "../../crypto/secret-box.js";
import type { Database, Executor } from "../../db/client.js";
import { RetryLater } from "../../jobs/define-job.js";
import {
  classifyMicrosoftFailure,
  MICROSOFT_WAITS,
  MicrosoftNotConfigured,
  type MicrosoftPort,
  type MicrosoftWait,
  nextCheckAt,
} from "../microsoft/index.js";
import { microsoftConnections } from "../microsoft/schema.js";
import { sbcRegions } from "../operator-settings/schema.js";
import { effectiveOperatorSettings } from "../operator-settings/service.js";
import { teamsProfiles } from "../teams-profiles/schema.js";
import { accounts } from "../tenancy/schema.js";
import { trunkProfiles } from "../trunks/schema.js";
import { dnsAdapterFor } from "./dns.js";
import { type DirectRoutingSetupStep, directRoutingSetupSteps, directRoutingSetups } from "./schema.js";
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

/** What the setup needs before it can start, or a sentence saying what is missing. */
export async function setupPrerequisites(db: Database, enterpriseAccountId: string) {
  const [connection] = await db
    .select()
    .from(microsoftConnections)
    .where(
      and(
        eq(microsoftConnections.enterpriseAccountId, enterpriseAccountId),
        eq(microsoftConnections.status, "connected"),
      ),
    );
  const [trunk] = await db
    .select()
    .from(trunkProfiles)
    .where(eq(trunkProfiles.enterpriseAccountId, enterpriseAccountId));
  const [teams] = await db
    .select()
    .from(teamsProfiles)
    .where(eq(teamsProfiles.enterpriseAccountId, enterpriseAccountId));
  const missing = [
    ...(trunk ? [] : ["a trunk profile"]),
    ...(teams ? [] : ["a Teams profile"]),
    ...(connection ? [] : ["the customer's Microsoft Teams connection"]),
  ];
  return { connection, trunk, teams, missing };
}

async function ensureRows(db: Database, enterpriseAccountId: string, tenantId: string) {
  await db
    .insert(directRoutingSetups)
    .values({ enterpriseAccountId, tenantId, status: "queued" })
    .onConflictDoUpdate({ target: directRoutingSetups.enterpriseAccountId, set: { tenantId } });
  await db
    .insert(directRoutingSetupSteps)
    .values(STEP_KEYS.map((key) => ({ enterpriseAccountId, key })))
    .onConflictDoNothing();
}

async function setStep(
  db: Executor,
  enterpriseAccountId: string,
  key: StepKey,
  values: Partial<DirectRoutingSetupStep>,
) {
  await db
    .update(directRoutingSetupSteps)
    .set({ ...values, updatedAt: new Date() })
    .where(
      and(
        eq(directRoutingSetupSteps.enterpriseAccountId, enterpriseAccountId),
        eq(directRoutingSetupSteps.key, key),
      ),
    );
}

/** A step's state and the setup's together, so the checklist never shows one without the other. */
async function setStepAndSetup(
  db: Database,
  enterpriseAccountId: string,
  key: StepKey,
  step: Partial<DirectRoutingSetupStep>,
  setup: Partial<typeof directRoutingSetups.$inferInsert>,
) {
  await db.transaction(async (tx) => {
    await setStep(tx, enterpriseAccountId, key, step);
    await setSetup(tx, enterpriseAccountId, setup);
  });
}

async function setSetup(
  db: Executor,
  enterpriseAccountId: string,
  values: Partial<typeof directRoutingSetups.$inferInsert>,
) {
  await db
    .update(directRoutingSetups)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(directRoutingSetups.enterpriseAccountId, enterpriseAccountId));
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
    const locked = await lockTx.execute(
      sql`select pg_try_advisory_xact_lock(hashtext(${`dr-setup:${enterpriseAccountId}`})) as ok`,
    );
    if (!(locked.rows[0] as { ok: boolean } | undefined)?.ok)
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
  const [account] = await db.select().from(accounts).where(eq(accounts.id, enterpriseAccountId));
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
  const regions = await db
    .select()
    .from(sbcRegions)
    .where(inArray(sbcRegions.id, teams.regionIds))
    .orderBy(asc(sbcRegions.name));

  await ensureRows(db, enterpriseAccountId, connection.tenantId);
  const rows = await db
    .select()
    .from(directRoutingSetupSteps)
    .where(eq(directRoutingSetupSteps.enterpriseAccountId, enterpriseAccountId));
  const byKey = new Map(rows.map((r) => [r.key as StepKey, r]));
  // A step still waiting (not reset by Verify or Run again) whose next check is later than now belongs to a
  // newer re-check: this scheduled run is redundant, so at most one re-check chain stays alive.
  const waiting = rows.find((r) => r.status === "waiting");
  if (waiting && Number(waiting.data.nextCheckAt ?? 0) > Date.now() + 15_000) return "waiting";
  await setSetup(db, enterpriseAccountId, { status: "running", lastError: null });
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
    await setStep(db, enterpriseAccountId, step.key, {
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
        await setStep(db, enterpriseAccountId, step.key, { status: "pending", lastError: message });
        throw error;
      }
      if (failure.kind === "permanent" || options.lastAttempt) {
        await failStep(deps, enterpriseAccountId, step, failure.message, error);
        return "failed";
      }
      await setStep(db, enterpriseAccountId, step.key, {
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
      await setStepAndSetup(
        db,
        enterpriseAccountId,
        step.key,
        { status: "waiting", lastError: result.message, data: waitingData },
        { status: "waiting", lastError: result.message },
      );
      throw new RetryLater(seconds, result.message);
    }
    await setStep(db, enterpriseAccountId, step.key, { status: "done", lastError: null, data });
    byKey.set(step.key, { ...(row as DirectRoutingSetupStep), status: "done", data });
  }
  await setSetup(db, enterpriseAccountId, { status: "completed", lastError: null, completedAt: new Date() });
  await db
    .update(trunkProfiles)
    .set({ status: "active", updatedAt: new Date() })
    .where(eq(trunkProfiles.enterpriseAccountId, enterpriseAccountId));
  return "completed";
}

async function failStep(
  deps: SetupDeps,
  enterpriseAccountId: string,
  step: SetupStep,
  message: string,
  error: unknown,
) {
  await setStepAndSetup(
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
  await setStepAndSetup(
    deps.db,
    enterpriseAccountId,
    step.key,
    { status: "waiting", lastError: message, data: { ...(row?.data ?? {}), waiting, nextCheckAt: next } },
    { status: "waiting", lastError: message },
  );
  throw new RetryLater(Math.max(1, (next - Date.now()) / 1000), message);
}

/**
 * Prepares a new run: failed and waiting steps go back to pending; with `recheck`, every step does, so
 * the job reads the tenant again (and writes only what drifted).
 */
export async function resetForRun(
  db: Database,
  enterpriseAccountId: string,
  options: { recheck?: boolean } = {},
) {
  const statuses = options.recheck
    ? (["done", "failed", "waiting", "pending", "running"] as const)
    : (["failed", "waiting", "running"] as const);
  await db
    .update(directRoutingSetupSteps)
    // A failed wait starts afresh on "Run again" (its `since` is over); "Check now" keeps a live wait's `since`.
    .set({
      status: "pending",
      data: sql`case when ${directRoutingSetupSteps.status} = 'failed' then ${directRoutingSetupSteps.data} - 'waiting' else ${directRoutingSetupSteps.data} end`,
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(directRoutingSetupSteps.enterpriseAccountId, enterpriseAccountId),
        inArray(directRoutingSetupSteps.status, [...statuses]),
      ),
    );
  await db
    .update(directRoutingSetups)
    .set({ status: "queued", lastError: null, updatedAt: new Date() })
    .where(eq(directRoutingSetups.enterpriseAccountId, enterpriseAccountId));
}

export async function setupView(db: Database, enterpriseAccountId: string) {
  const [setup] = await db
    .select()
    .from(directRoutingSetups)
    .where(eq(directRoutingSetups.enterpriseAccountId, enterpriseAccountId));
  const { missing } = await setupPrerequisites(db, enterpriseAccountId);
  const rows = setup
    ? await db
        .select()
        .from(directRoutingSetupSteps)
        .where(eq(directRoutingSetupSteps.enterpriseAccountId, enterpriseAccountId))
    : [];
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
