import { DEMO_TENANTS, type StartedEmulator } from "@sip2teams/m365-emulator";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client.js";
import { SYNC_JOB } from "../src/modules/teams-users/jobs.js";
import { teamsUserSyncs, teamsUsers } from "../src/modules/teams-users/schema.js";
import { startAppForWorkerProcesses } from "./support/app-for-worker-processes.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { startEmulator } from "./support/onboarding.js";
import { connectedContoso } from "./support/provisioning.js";
import { useConnectedContoso } from "./support/teams-users-sync.js";
import type { TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";
import { startWorkerProcess, type WorkerProcess } from "./support/worker-process.js";

const CONTOSO = DEMO_TENANTS.contoso;
/** Microsoft serves pages this small, so a few hundred users make dozens of pages in flight. */
const PAGE = 7;

interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
}

/** Microsoft's users as Graph lists them now (a plain list, not delta). */
async function microsoftUsers(t: TestApp): Promise<GraphUser[]> {
  const graph = (await t.deps.microsoft.tenant(CONTOSO.id)).graph.voice.graph;
  const users: GraphUser[] = [];
  let next: string | null = "/users?$select=id,userPrincipalName,displayName&$top=999";
  while (next) {
    const page: { body: { value: GraphUser[]; "@odata.nextLink"?: string } } = await graph.get(next);
    users.push(...page.body.value);
    const link = page.body["@odata.nextLink"];
    next = link ? link.slice(link.indexOf("/v1.0/") + "/v1.0".length) : null;
  }
  return users;
}

/** The stored directory, present users only, in the shape Graph lists them. */
async function storedUsers(db: Database, enterpriseId: string) {
  const rows = await db
    .select({
      id: teamsUsers.objectId,
      userPrincipalName: teamsUsers.userPrincipalName,
      displayName: teamsUsers.displayName,
      removedAt: teamsUsers.removedAt,
    })
    .from(teamsUsers)
    .where(eq(teamsUsers.enterpriseAccountId, enterpriseId));
  return rows;
}

/** Stored present users equal Microsoft's users exactly: each once, with its address and name. */
async function expectExactlyMicrosoftsSet(t: TestApp, enterpriseId: string) {
  const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
  const microsoft = (await microsoftUsers(t))
    .map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName ?? "" }))
    .sort(byId);
  const stored = await storedUsers(t.deps.db, enterpriseId);
  const present = stored
    .filter((u) => u.removedAt === null)
    .map(({ removedAt: _removed, ...u }) => u)
    .sort(byId);
  expect(present.length).toBe(microsoft.length);
  expect(present).toEqual(microsoft);
  return { microsoft, stored };
}

const syncRowOf = async (db: Database, enterpriseId: string) =>
  (await db.select().from(teamsUserSyncs).where(eq(teamsUserSyncs.enterpriseAccountId, enterpriseId)))[0];

/** Starts a sync through the Users page's button. */
async function syncNow(t: TestApp, user: SignedInUser, enterpriseId: string) {
  const started = await t.app.inject({
    method: "POST",
    url: `/api/accounts/${enterpriseId}/teams-users/sync`,
    headers: user.headers,
  });
  expect(started.statusCode).toBe(202);
}

async function roundEnded(db: Database, enterpriseId: string, before: number) {
  return waitFor("the sync round ended", async () => {
    const row = await syncRowOf(db, enterpriseId);
    if (!row?.finishedAt || row.finishedAt.getTime() === before) return null;
    if (row.status === "failed") throw new Error(row.lastError ?? "failed");
    return row.status === "completed" ? row : null;
  });
}

/** Delta pages Microsoft has answered so far (the emulator's request log). */
const deltaPagesServed = (emulator: StartedEmulator) =>
  emulator.state.requests(CONTOSO.id).filter((r) => r.path.endsWith("/users/delta") && r.status === 200)
    .length;

describe("Teams users sync, pipelined: many small pages, changes between pages", () => {
  const ctx = useConnectedContoso();

  it("ends with exactly Microsoft's users after users are added, renamed and deleted mid-round", async () => {
    ctx.emulator.state.generateUsers(CONTOSO.id, 300, 7);
    ctx.emulator.state.setFaults({ maxPageSize: PAGE, pageLatencyMs: 40 });
    const graph = (await ctx.t.deps.microsoft.tenant(CONTOSO.id)).graph.voice.graph;
    const before = await microsoftUsers(ctx.t);
    const expectedPages = Math.ceil(before.length / PAGE);
    const servedBefore = deltaPagesServed(ctx.emulator);

    const finishedBefore = (await syncRowOf(ctx.t.deps.db, ctx.enterpriseId))?.finishedAt?.getTime() ?? 0;
    await syncNow(ctx.t, ctx.partner, ctx.enterpriseId);
    await waitFor(
      "a few pages into the round",
      async () => deltaPagesServed(ctx.emulator) - servedBefore >= 5,
      {
        intervalMs: 5,
      },
    );
    // Mid-round: users added, renamed and deleted, some already written by this round and some not yet, while
    // pages are fetched and written.
    const written = new Set((await storedUsers(ctx.t.deps.db, ctx.enterpriseId)).map((u) => u.id));
    const done = before.filter((u) => written.has(u.id));
    const ahead = before.filter((u) => !written.has(u.id));
    expect(done.length).toBeGreaterThanOrEqual(4);
    // Renamed: one written, two ahead; deleted: three written, one ahead.
    const pick = [done[0]!, ahead[0]!, ahead.at(-1)!, done[1]!, done[2]!, done.at(-1)!, ahead[1]!];
    for (const [i, user] of pick.slice(0, 3).entries())
      await graph.patch(`/users/${user.id}`, { displayName: `Renamed Mid-Round ${i}` });
    for (const user of pick.slice(3)) await graph.delete(`/users/${user.id}`);
    for (const i of [1, 2, 3])
      await graph.post("/users", {
        accountEnabled: true,
        displayName: `Added Mid-Round ${i}`,
        mailNickname: `added-mid-round-${i}`,
        userPrincipalName: `added-mid-round-${i}@${CONTOSO.domain}`,
        usageLocation: "US",
        passwordProfile: { password: "Aa1!aaaaaaaa", forceChangePasswordNextSignIn: true },
      });
    // The changes landed while the round was still paging.
    expect(deltaPagesServed(ctx.emulator) - servedBefore).toBeLessThan(expectedPages);

    const first = await roundEnded(ctx.t.deps.db, ctx.enterpriseId, finishedBefore);
    expect(first).toMatchObject({ status: "completed", fullSync: true, nextLink: null });
    // Nobody present all along was skipped or duplicated by the concurrent writes.
    const stored = await storedUsers(ctx.t.deps.db, ctx.enterpriseId);
    const present = new Set(stored.filter((u) => u.removedAt === null).map((u) => u.id));
    const untouched = before.filter((u) => !pick.includes(u));
    expect(untouched.filter((u) => !present.has(u.id))).toEqual([]);
    expect(new Set(stored.map((u) => u.id)).size).toBe(stored.length);

    // What changed mid-round comes with the next (delta) round; then the directory is Microsoft's exactly.
    await syncNow(ctx.t, ctx.partner, ctx.enterpriseId);
    const second = await roundEnded(ctx.t.deps.db, ctx.enterpriseId, first.finishedAt!.getTime());
    expect(second).toMatchObject({ status: "completed", fullSync: false });
    const { stored: after } = await expectExactlyMicrosoftsSet(ctx.t, ctx.enterpriseId);
    // Deleted users are gone from the list: marked removed if a page had brought them before, else never stored.
    for (const user of pick.slice(3))
      expect(after.find((u) => u.id === user.id)?.removedAt ?? "never stored").not.toBeNull();
    ctx.emulator.state.setFaults({ maxPageSize: 0, pageLatencyMs: 0 });
  }, 240_000);
});

describe("Teams users sync, pipelined: a worker killed mid-round", () => {
  let emulator: StartedEmulator;
  let t: TestApp;
  let worker: WorkerProcess;
  let workerEnv: Record<string, string>;
  let partner: SignedInUser;
  let enterpriseId = "";

  beforeAll(async () => {
    emulator = await startEmulator();
    ({ t, workerEnv } = await startAppForWorkerProcesses(emulator));
    worker = await startWorkerProcess(workerEnv);
    const tree = await createAccountTree(t.deps.db);
    const operatorAdmin = await createSignedInUser(t.deps.db, tree.operator, "Admin");
    partner = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    ({ enterpriseId } = await connectedContoso(t, emulator, tree, operatorAdmin, partner));
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await t?.stop();
    await emulator?.close();
  });

  it("resumes from the last page written in order, and ends with each of Microsoft's users once", async () => {
    emulator.state.generateUsers(CONTOSO.id, 400, 13);
    emulator.state.setFaults({ maxPageSize: PAGE, pageLatencyMs: 40 });
    const expectedPages = Math.ceil((await microsoftUsers(t)).length / PAGE);
    await syncNow(t, partner, enterpriseId);
    const job = async () =>
      (
        await t.deps.db.execute<{ id: string; state: string }>(
          sql`select id, state from pgboss.job where name = ${SYNC_JOB} order by created_on desc limit 1`,
        )
      ).rows[0];
    const midRound = await waitFor(
      "the sync mid-round, pages written",
      async () => {
        const row = await syncRowOf(t.deps.db, enterpriseId);
        return (await job())?.state === "active" && row?.status === "running" && row.pages >= 10 ? row : null;
      },
      { intervalMs: 20 },
    );
    await worker.kill();
    const saved = (await syncRowOf(t.deps.db, enterpriseId))!;
    expect(saved.status).toBe("running");
    expect(saved.pages).toBeGreaterThanOrEqual(midRound.pages);
    expect(saved.pages).toBeLessThan(expectedPages);
    // The saved link is the first page not written in order: the next worker resumes there.
    expect(saved.nextLink).toContain("$skiptoken=");
    worker = await startWorkerProcess(workerEnv);
    const done = await roundEnded(t.deps.db, enterpriseId, 0);
    expect(done).toMatchObject({ status: "completed", fullSync: true, nextLink: null });
    expect(done.pages).toBe(expectedPages);
    const { stored } = await expectExactlyMicrosoftsSet(t, enterpriseId);
    expect(stored.every((u) => u.removedAt === null)).toBe(true);
    emulator.state.setFaults({ maxPageSize: 0, pageLatencyMs: 0 });
  }, 240_000);
});
