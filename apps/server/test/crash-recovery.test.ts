import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEMO_PASSWORDS, DEMO_TENANTS, type StartedEmulator } from "@sip2teams/m365-emulator";
import { eq, sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPLY_JOB } from "../src/modules/bulk-import/apply-state.js";
import { SETUP_JOB } from "../src/modules/direct-routing-setup/jobs.js";
import { enqueueSbcSync, SBC_SYNC_JOB } from "../src/modules/sbc/jobs.js";
import { SBC_LOCK_KEY } from "../src/modules/sbc/kamailio/schema.js";
import { sbcDatabaseUrl } from "../src/modules/sbc/runtime.js";
import { PROVISION_JOB, SYNC_JOB } from "../src/modules/teams-users/jobs.js";
import { provisionedUsers, teamsUserSyncs } from "../src/modules/teams-users/schema.js";
import { accountRepository } from "../src/modules/tenancy/repository.js";
import { trunkProfiles } from "../src/modules/trunks/schema.js";
import { freshDatabaseUrl } from "./support/database.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import {
  clearFaults,
  configureOperator,
  emulatorEnv,
  onboardEnterprise,
  playConsent,
  setFaults,
  startEmulator,
} from "./support/onboarding.js";
import { enterpriseWithSyncedUsers, pwshStandInPath } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";
import { startWorkerProcess, type WorkerProcess } from "./support/worker-process.js";

const CONTOSO = DEMO_TENANTS.contoso;

interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  surface: string;
  body?: unknown;
}

async function requestLog(emulator: StartedEmulator, tenantId: string): Promise<LoggedRequest[]> {
  const body = (await (await fetch(`${emulator.url}/_emulator/tenants/${tenantId}/requests`)).json()) as
    | LoggedRequest[]
    | { requests: LoggedRequest[] };
  return Array.isArray(body) ? body : body.requests;
}

/** A Microsoft write that took effect: anything but a read, answered with success. */
const effectiveWrites = (log: LoggedRequest[]) =>
  log.filter(
    (l) =>
      (l.surface === "graph" || l.surface === "teams-admin" || l.surface === "pwsh") &&
      l.status < 400 &&
      (l.surface === "pwsh" ? !/"cmdlet":"Get-/.test(JSON.stringify(l.body)) : l.method !== "GET"),
  );

/**
 * Each long job runs in a real `sip2teams worker` process that is SIGKILLed while the job is active and
 * mid-way; a new worker process starts at once. The queues keep their long expiry (15 min to an hour), so
 * completing within 60 s shows the job was reclaimed by its heartbeat or the new worker's startup reclaim.
 */
describe("crash recovery: a worker killed mid-job, a new one finishes it within 60 s, writing once", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let worker: WorkerProcess;
  let workerEnv: Record<string, string>;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let partner: SignedInUser;
  let customer: SignedInUser;
  let regions: string[];
  let enterpriseId = "";

  beforeAll(async () => {
    emulator = await startEmulator();
    const dir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-crash-"));
    const caFile = path.join(dir, "emulator-ca.pem");
    await writeFile(caFile, emulator.caCertPem);
    const env = { ...emulatorEnv(emulator), PWSH_PATH: pwshStandInPath(), TEAMS_USERS_SYNC_MINUTES: "0" };
    const databaseUrl = await freshDatabaseUrl();
    // The API in this process, without workers: every job runs in the worker processes.
    t = await startTestApp({ ...env, DATABASE_URL: databaseUrl }, { workers: false });
    workerEnv = {
      ...env,
      DATABASE_URL: databaseUrl,
      // The same data folder: the same secrets key.
      DATA_DIR: t.deps.config.DATA_DIR,
      PUBLIC_URL: "http://localhost:3000",
      EXTRA_CA_FILE: caFile,
    };
    tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partner = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    regions = await configureOperator(t, tree.operator, operatorAdmin);
    worker = await startWorkerProcess(workerEnv);
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await t?.stop();
    await emulator?.close();
  });

  const jobOf = async (name: string) => {
    const result = await t.deps.db.execute<{ id: string; state: string; retry_count: number }>(
      sql`select id, state, retry_count from pgboss.job where name = ${name} order by created_on desc limit 1`,
    );
    return result.rows[0];
  };

  /**
   * Waits until `name`'s job is active and `midWay` holds, kills the worker, runs `meanwhile` (to rule one
   * of the two recovery paths out), and starts a new worker process.
   */
  const crashDuring = async (
    name: string,
    midWay: () => Promise<boolean>,
    meanwhile: (jobId: string) => Promise<void> = async () => {},
    job: () => Promise<{ id: string; state: string; retry_count: number } | undefined> = () => jobOf(name),
  ) => {
    await waitFor(
      `${name} active and mid-way`,
      async () => (await job())?.state === "active" && (await midWay()),
      {
        timeoutMs: 120_000,
        intervalMs: 50,
      },
    );
    const killed = (await job())!;
    await worker.kill();
    const killedAt = Date.now();
    expect((await job())?.state).toBe("active");
    await meanwhile(killed.id);
    await clearFaults(emulator);
    worker = await startWorkerProcess(workerEnv);
    return { ...killed, killedAt };
  };

  const reclaimedAtStart = (jobId: string) =>
    worker.logs.some((line) => line.msg === "reclaimed the job of a gone worker" && line.jobId === jobId);

  /** The crashed job ran again (a retry of the same job, not an expiry an hour later) and completed. */
  const expectRetriedAndCompleted = async (name: string, killed: { id: string }) => {
    const job = await waitFor(`${name} completed`, async () => {
      const result = await t.deps.db.execute<{ state: string; retry_count: number }>(
        sql`select state, retry_count from pgboss.job where id = ${killed.id}`,
      );
      return result.rows[0]?.state === "completed" ? result.rows[0] : null;
    });
    expect(job.retry_count).toBeGreaterThanOrEqual(1);
  };

  const setupView = async (id: string) =>
    (
      await t.app.inject({ url: `/api/accounts/${id}/direct-routing-setup`, headers: partner.headers })
    ).json() as { status: string; steps: { key: string; status: string }[] };

  it("Direct Routing setup", async () => {
    enterpriseId = await onboardEnterprise(t, tree.partner, partner, regions, "contoso");
    const connect = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/microsoft/connect`,
      headers: partner.headers,
    });
    expect(connect.statusCode).toBe(200);
    await setFaults(emulator, { latencyMs: 400 });
    await playConsent(t, emulator, connect.json().authorizeUrl, {
      login: `admin@${CONTOSO.domain}`,
      password: DEMO_PASSWORDS.admin,
    });
    const killed = await crashDuring(SETUP_JOB, async () => {
      const view = await setupView(enterpriseId);
      return view.status !== "completed" && view.steps.filter((s) => s.status === "done").length >= 2;
    });
    const done = await waitFor("the setup completed", async () => {
      const view = await setupView(enterpriseId);
      if (view.status === "failed") throw new Error(JSON.stringify(view));
      return view.status === "completed" ? view : null;
    });
    expect(done.steps.every((s) => s.status === "done")).toBe(true);
    await expectRetriedAndCompleted(SETUP_JOB, killed);
    const writes = effectiveWrites(await requestLog(emulator, CONTOSO.id)).map(
      (l) =>
        `${l.method} ${l.path.replace(/\/users\/[^/]+\/assignLicense/, "/users/{id}/assignLicense")} ${l.surface === "pwsh" ? JSON.stringify(l.body) : ""}`,
    );
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.filter((w, i) => writes.indexOf(w) !== i)).toEqual([]);
  }, 240_000);

  it("Teams user sync", async () => {
    const enterprise = await accountRepository(t.deps.db).findById(enterpriseId);
    customer = await createSignedInUser(t.deps.db, enterprise!, "Admin");
    await fetch(`${emulator.url}/_emulator/tenants/${CONTOSO.id}/users/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ count: 2100, seed: 11 }),
    });
    const before = effectiveWrites(await requestLog(emulator, CONTOSO.id)).length;
    await setFaults(emulator, { latencyMs: 1500 });
    const started = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users/sync`,
      headers: customer.headers,
    });
    expect(started.statusCode).toBe(202);
    const syncRow = async () =>
      (
        await t.deps.db
          .select()
          .from(teamsUserSyncs)
          .where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseId))
      )[0];
    // The holder is recorded as a process on another machine: only its stopped heartbeat can tell.
    const killed = await crashDuring(
      SYNC_JOB,
      async () => {
        const row = await syncRow();
        return row?.status === "running" && row.pages >= 1;
      },
      (jobId) =>
        t.deps.db
          .execute(
            sql`update pgboss.job set output = jsonb_build_object('heldBy', jsonb_build_object('host', 'elsewhere', 'pidNamespace', null, 'pid', 1)) where id = ${jobId}`,
          )
          .then(() => undefined),
    );
    await waitFor(
      "the dead worker's job retried by its heartbeat",
      async () => {
        const result = await t.deps.db.execute<{ state: string; retry_count: number }>(
          sql`select state, retry_count from pgboss.job where id = ${killed.id}`,
        );
        const row = result.rows[0]!;
        return row.state !== "active" || row.retry_count > killed.retry_count;
      },
      { timeoutMs: 30_000 - (Date.now() - killed.killedAt), intervalMs: 100 },
    );
    expect(reclaimedAtStart(killed.id)).toBe(false);
    const done = await waitFor("the sync completed", async () => {
      const row = await syncRow();
      if (row?.status === "failed") throw new Error(row.lastError ?? "failed");
      return row?.status === "completed" ? row : null;
    });
    expect(done.usersSeen).toBeGreaterThan(2100);
    await expectRetriedAndCompleted(SYNC_JOB, killed);
    // A sync only reads.
    expect(effectiveWrites(await requestLog(emulator, CONTOSO.id)).length).toBe(before);
  }, 240_000);

  it("user provisioning", async () => {
    const eligible = await t.app.inject({
      url: `/api/accounts/${enterpriseId}/teams-users/eligible?q=`,
      headers: partner.headers,
    });
    const target = eligible.json()[0] as { objectId: string };
    const options = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/teams-users/form-options`,
        headers: partner.headers,
      })
    ).json();
    await setFaults(emulator, { latencyMs: 1000 });
    const added = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users`,
      headers: partner.headers,
      payload: {
        teamsUserObjectId: target.objectId,
        pbxLocation: options.pbxLocations[0],
        regionId: regions[1],
        sipUser: "4001",
        phoneNumber: "+14255558001",
        disableVoicemail: true,
        assignDialPlan: true,
        devices: [{ authId: "t4001", password: "Zx8Kq2Lm" }],
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    const id: string = added.json().id;
    const row = async () =>
      (await t.deps.db.select().from(provisionedUsers).where(eq(provisionedUsers.id, id)))[0]!;
    const before = (await requestLog(emulator, CONTOSO.id)).length;
    // Its heartbeat looks fresh for an hour: only the new worker's startup reclaim can tell it is gone.
    const killed = await crashDuring(
      PROVISION_JOB,
      async () => {
        const r = await row();
        // The number's assignment started and the policies granted: the run is mid-way.
        return r.steps[1]?.status === "done" && r.status !== "done";
      },
      (jobId) =>
        t.deps.db
          .execute(sql`update pgboss.job set heartbeat_on = now() + interval '1 hour' where id = ${jobId}`)
          .then(() => undefined),
    );
    expect(reclaimedAtStart(killed.id)).toBe(true);
    const done = await waitFor("the user provisioned", async () => {
      const r = await row();
      if (r.status === "failed") throw new Error(r.lastError ?? "failed");
      return r.status === "done" ? r : null;
    });
    expect(done.steps.every((s) => s.status === "done")).toBe(true);
    await expectRetriedAndCompleted(PROVISION_JOB, killed);
    const writes = effectiveWrites((await requestLog(emulator, CONTOSO.id)).slice(before));
    expect(writes.filter((l) => l.path.endsWith("/numberAssignments/assignNumber"))).toHaveLength(1);
    // The voice routing policy and the dial plan: granted together, once.
    expect(writes.filter((l) => l.path.endsWith("/policy/userAssignments/assign"))).toHaveLength(1);
    expect(
      writes.filter(
        (l) => l.surface === "pwsh" && JSON.stringify(l.body).includes("Set-CsOnlineVoicemailUserSettings"),
      ),
    ).toHaveLength(1);
  }, 240_000);

  it("bulk import apply", async () => {
    const admin = await createSignedInUser(t.deps.db, tree.enterprise, "Admin");
    // Enough rows for a worker to die mid-import (applied in batches of 100), few enough for a busy machine.
    const count = 400;
    const synced = Math.ceil(count / 0.9) + 10;
    await enterpriseWithSyncedUsers(t.deps.db, tree.enterprise, synced);
    const users = Array.from({ length: synced }, (_, i) => i)
      .filter((i) => i % 10 !== 9)
      .slice(0, count);
    const csv = [
      "teams_upn,sip_user,phone_number,voice_route,pbx_location,disable_voicemail,assign_dial_plan,devices",
      ...users.map(
        (i) =>
          `user${String(i).padStart(5, "0")}@contoso.example,${10_000 + i},+1425${4_000_000 + i},,,,,c${i}:Pw${String(i).padStart(6, "0")}`,
      ),
    ].join("\n");
    const base = `/api/accounts/${tree.enterprise.id}/teams-users/imports`;
    const preview = await t.app.inject({
      method: "POST",
      url: `${base}?fileName=users.csv`,
      headers: { ...admin.headers, "content-type": "text/csv" },
      payload: csv,
    });
    expect(preview.json(), preview.body).toMatchObject({ validRows: count, errorRows: 0 });
    const importId: string = preview.json().id;
    const summary = async () =>
      (await t.app.inject({ url: `${base}/${importId}?errorsOnly=true`, headers: admin.headers })).json()
        .import as {
        status: string;
        appliedRows: number;
        failedRows: number;
      };
    const apply = await t.app.inject({
      method: "POST",
      url: `${base}/${importId}/apply`,
      headers: admin.headers,
    });
    expect(apply.statusCode, apply.body).toBe(202);
    const killed = await crashDuring(APPLY_JOB, async () => {
      const s = await summary();
      return s.status === "applying" && s.appliedRows > 0 && s.appliedRows < count;
    });
    const done = await waitFor(
      "the import applied",
      async () => {
        const s = await summary();
        return s.status === "completed" ? s : null;
      },
      { progress: async () => (await summary()).appliedRows },
    );
    expect(done).toMatchObject({ appliedRows: count, failedRows: 0 });
    await expectRetriedAndCompleted(APPLY_JOB, killed);
    const added = await t.deps.db
      .select({ upn: provisionedUsers.userPrincipalName })
      .from(provisionedUsers)
      .where(eq(provisionedUsers.enterpriseAccountId, tree.enterprise.id));
    expect(added).toHaveLength(count);
    expect(new Set(added.map((a) => a.upn)).size).toBe(count);
  }, 600_000);

  it("SBC sync", async () => {
    // The SBC database is held by its writers' advisory lock: the sync blocks inside its write transaction.
    const sbc = new pg.Client({ connectionString: await sbcDatabaseUrl(t.deps.config, t.deps.db) });
    await sbc.connect();
    try {
      await sbc.query("begin");
      await sbc.query("select pg_advisory_xact_lock($1)", [SBC_LOCK_KEY]);
      // A change the SBC must see (a worker skips a sync whose desired state it wrote moments ago).
      await t.deps.db
        .update(trunkProfiles)
        .set({ pbxPort: 5062 })
        .where(eq(trunkProfiles.enterpriseAccountId, enterpriseId));
      const jobId = await waitFor(
        "an SBC sync queued (past the debounce slot)",
        () => enqueueSbcSync(t.runtime.jobs, enterpriseId),
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      const byId = async () =>
        (
          await t.deps.db.execute<{ id: string; state: string; retry_count: number }>(
            sql`select id, state, retry_count from pgboss.job where id = ${jobId}`,
          )
        ).rows[0];
      const killed = await crashDuring(
        SBC_SYNC_JOB,
        async () =>
          (
            await sbc.query(
              "select 1 from pg_locks where locktype = 'advisory' and not granted and objid = $1 and database = (select oid from pg_database where datname = current_database())",
              [SBC_LOCK_KEY],
            )
          ).rowCount! > 0,
        async () => {
          await sbc.query("rollback");
        },
        byId,
      );
      await expectRetriedAndCompleted(SBC_SYNC_JOB, killed);
      const state = await sbc.query("select 1 from sip2teams_sbc_state where enterprise_id = $1", [
        enterpriseId,
      ]);
      expect(state.rowCount).toBe(1);
      const trunk = await sbc.query<{ destination: string }>("select destination from dispatcher");
      expect(trunk.rows.some((r) => r.destination.includes(":5062"))).toBe(true);
      expect(
        trunk.rows.filter((r, i) => trunk.rows.findIndex((o) => o.destination === r.destination) !== i),
      ).toEqual([]);
      const devices = await sbc.query<{ auth_username: string; n: string }>(
        "select auth_username, count(*) as n from uacreg group by auth_username",
      );
      expect(devices.rows.find((r) => r.auth_username === "t4001")?.n).toBe("1");
      expect(devices.rows.filter((r) => r.n !== "1")).toEqual([]);
    } finally {
      await sbc.end();
    }
  }, 240_000);
});
