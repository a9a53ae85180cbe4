import { and, eq, gt, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../src/modules/audit/schema.js";
import { APPLY_JOB } from "../src/modules/bulk-import/apply-state.js";
import { bulkImportRows, bulkImports } from "../src/modules/bulk-import/schema.js";
import { applyImport, ROW_APPLYING } from "../src/modules/bulk-import/service.js";
import { provisioningQueue } from "../src/modules/teams-users/jobs.js";
import { provisionedUsers } from "../src/modules/teams-users/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { enterpriseWithSyncedUsers, waitFor } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const header =
  "teams_upn,sip_user,phone_number,voice_route,pbx_location,disable_voicemail,assign_dial_plan,devices";

describe("bulk import: an interrupted apply is resumed, and no row is applied twice", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let admin: SignedInUser;

  beforeAll(async () => {
    // No workers at first: the apply jobs wait, so the test decides what a crashed worker left behind.
    t = await startTestApp({ TEAMS_USERS_SYNC_MINUTES: "0" }, { workers: false });
    tree = await createAccountTree(t.deps.db);
    admin = await createSignedInUser(t.deps.db, tree.enterprise, "Admin");
    await enterpriseWithSyncedUsers(t.deps.db, tree.enterprise, 100);
  }, 60_000);
  afterAll(async () => t?.stop());

  const base = () => `/api/accounts/${tree.enterprise.id}/teams-users/imports`;
  const eligible = (from: number, count: number) =>
    Array.from({ length: 100 }, (_, i) => i)
      .filter((i) => i % 10 !== 9)
      .slice(from, from + count);
  const csvOf = (users: number[]) =>
    [
      header,
      ...users.map(
        (i) =>
          `user${String(i).padStart(5, "0")}@contoso.example,${7000 + i},+1425${3_000_000 + i},,,,,r${i}:Pw${String(i).padStart(6, "0")}`,
      ),
    ].join("\n");
  const previewAndApply = async (users: number[]) => {
    const preview = await t.app.inject({
      method: "POST",
      url: `${base()}?fileName=users.csv`,
      headers: { ...admin.headers, "content-type": "text/csv" },
      payload: csvOf(users),
    });
    expect(preview.json(), preview.body).toMatchObject({ validRows: users.length, errorRows: 0 });
    const id: string = preview.json().id;
    const apply = await t.app.inject({
      method: "POST",
      url: `${base()}/${id}/apply`,
      headers: admin.headers,
    });
    expect(apply.statusCode, apply.body).toBe(202);
    expect(apply.json()).toMatchObject({ status: "applying", interrupted: false });
    return id;
  };
  const get = async (id: string) =>
    (
      await t.app.inject({ url: `${base()}/${id}?errorsOnly=false&pageSize=500`, headers: admin.headers })
    ).json();
  const resume = (id: string) =>
    t.app.inject({ method: "POST", url: `${base()}/${id}/resume`, headers: admin.headers });
  const applyJobOf = async (id: string) => {
    const [job] = await t.runtime.jobs.boss.findJobs(APPLY_JOB, { key: `import:${id}` });
    return job!;
  };

  it("resumes a crashed apply (job left active, no progress) and one whose job is gone", async () => {
    const crashed = await previewAndApply(eligible(0, 40));
    const gone = await previewAndApply(eligible(40, 10));

    // A queued apply is not interrupted: nothing to resume yet.
    expect((await get(crashed)).import.interrupted).toBe(false);
    expect((await resume(crashed)).statusCode).toBe(409);

    // The crashed worker: it took the job, applied rows 2–11 and died while adding row 11 (its user was
    // added, the outcome not recorded) and right after claiming row 12 (nothing added).
    const [taken] = await t.runtime.jobs.boss.fetch(APPLY_JOB);
    expect(taken?.data).toEqual({ importId: crashed });
    await t.deps.db
      .update(bulkImportRows)
      .set({ outcome: "not yet" })
      .where(and(eq(bulkImportRows.importId, crashed), gt(bulkImportRows.rowNumber, 11)));
    await applyImport(
      {
        db: t.deps.db,
        secrets: t.deps.secrets,
        jobs: provisioningQueue(undefined),
        numberQuarantineDays: t.deps.config.NUMBER_QUARANTINE_DAYS,
      },
      crashed,
      tree.enterprise,
    );
    await t.deps.db
      .update(bulkImportRows)
      .set({ outcome: null })
      .where(and(eq(bulkImportRows.importId, crashed), gt(bulkImportRows.rowNumber, 11)));
    await t.deps.db
      .update(bulkImportRows)
      .set({ outcome: ROW_APPLYING })
      .where(and(eq(bulkImportRows.importId, crashed), sql`${bulkImportRows.rowNumber} in (11, 12)`));
    await t.deps.db
      .update(bulkImports)
      .set({ status: "applying", appliedRows: 9, updatedAt: sql`now() - interval '10 minutes'` })
      .where(eq(bulkImports.id, crashed));
    await t.deps.db.execute(
      sql`update pgboss.job set started_on = now() - interval '10 minutes' where id = ${taken!.id}`,
    );
    expect(await t.deps.db.select().from(provisionedUsers)).toHaveLength(10);

    // The other import's job is gone altogether (failed for good, or deleted).
    await t.runtime.jobs.boss.deleteJob(APPLY_JOB, (await applyJobOf(gone)).id);

    expect((await get(crashed)).import).toMatchObject({
      status: "applying",
      appliedRows: 9,
      interrupted: true,
    });
    expect((await get(gone)).import).toMatchObject({ status: "applying", appliedRows: 0, interrupted: true });

    const resumed = await resume(crashed);
    expect(resumed.statusCode, resumed.body).toBe(202);
    expect(resumed.json()).toMatchObject({ status: "applying", interrupted: false });
    expect((await resume(crashed)).statusCode).toBe(409); // its job is queued now
    expect((await resume(gone)).statusCode).toBe(202);

    await t.runtime.jobs.startWorkers();
    for (const [id, count] of [
      [crashed, 40],
      [gone, 10],
    ] as const) {
      const done = await waitFor(
        `import ${id} applied`,
        async () => {
          const body = await get(id);
          return body.import.status === "completed" ? body : null;
        },
        120_000,
      );
      expect(done.import).toMatchObject({ appliedRows: count, failedRows: 0, interrupted: false });
      expect(done.rows.map((r: { outcome: string }) => r.outcome)).toEqual(Array(count).fill("created"));
    }
    const users = await t.deps.db.select().from(provisionedUsers);
    expect(users).toHaveLength(50);
    expect(new Set(users.map((u) => u.userPrincipalName)).size).toBe(50);
    const audits = await t.deps.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, "bulk-import.resume"));
    expect(audits.map((a) => a.targetId).sort()).toEqual([crashed, gone].sort());
    expect((await resume(crashed)).json().detail).toMatch(/Only an import that is applying/);
  }, 180_000);
});
