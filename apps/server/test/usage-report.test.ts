import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionedUsers, sipDevices } from "../src/modules/teams-users/schema.js";
import type { Account } from "../src/modules/tenancy/schema.js";
import { USAGE_SNAPSHOT_JOB } from "../src/modules/usage/index.js";
import {
  createAccount,
  createAccountTree,
  createSignedInUser,
  type SignedInUser,
} from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { fetchUsageReport, runUsageSnapshot } from "./support/usage.js";
import { waitFor } from "./support/wait-for.js";

/**
 * The seat and usage report (issue 15 scope 5): daily snapshots of changing data give the month's peak and
 * end-of-month figures, past months stay as they were, partners get a roll-up and see only their subtree, and
 * the CSV says what the JSON says. The SBC's database is unreachable here, so no day's call minutes can be
 * measured: the minutes stay null (usage-minutes.test.ts measures them from real CDRs).
 */
let t: TestApp;
let tree: Awaited<ReturnType<typeof createAccountTree>>;
let enterpriseA2: Account;
const as: Record<"operator" | "partner" | "sibling" | "enterprise", SignedInUser> = {} as never;
const PAST = "2025-03";

let serial = 0;
async function addUser(enterprise: Account, callingEnabled: boolean) {
  serial++;
  const [user] = await t.deps.db
    .insert(provisionedUsers)
    .values({
      enterpriseAccountId: enterprise.id,
      teamsUserObjectId: `object-${serial}`,
      userPrincipalName: `user${serial}@example.test`,
      pbxLocation: "HQ",
      regionId: crypto.randomUUID(),
      sipUser: `${1000 + serial}`,
      phoneNumber: `+1206555${String(serial).padStart(4, "0")}`,
      callingEnabled,
      status: "done",
    })
    .returning();
  return user!.id;
}
async function setCalling(userId: string, callingEnabled: boolean) {
  await t.deps.db.update(provisionedUsers).set({ callingEnabled }).where(eq(provisionedUsers.id, userId));
}
async function addDevice(enterprise: Account, userId: string) {
  serial++;
  await t.deps.db.insert(sipDevices).values({
    provisionedUserId: userId,
    enterpriseAccountId: enterprise.id,
    authId: `device-${serial}`,
    passwordSealed: "sealed",
  });
}

const snapshot = (day?: string) => runUsageSnapshot(t, day);
const report = (user: SignedInUser, account: Account, month?: string) =>
  fetchUsageReport(t, user, account, month);

const row = (body: { enterprises: { accountId: string }[] }, account: Account) =>
  body.enterprises.find((e) => e.accountId === account.id);

beforeAll(async () => {
  t = await startTestApp({ SBC_DATABASE_URL: "postgres://sip2teams@127.0.0.1:1/unreachable" });
  tree = await createAccountTree(t.deps.db);
  enterpriseA2 = await createAccount(t.deps.db, "enterprise", tree.partner, "Enterprise A2");
  as.operator = await createSignedInUser(t.deps.db, tree.operator, "Admin");
  as.partner = await createSignedInUser(t.deps.db, tree.partner, "Read-only");
  as.sibling = await createSignedInUser(t.deps.db, tree.sibling, "Admin");
  as.enterprise = await createSignedInUser(t.deps.db, tree.enterprise, "Admin");

  // March 1st: A1 has 2 users with calling enabled, A2 one, B1 three.
  const a1 = [await addUser(tree.enterprise, true), await addUser(tree.enterprise, true)];
  a1.push(await addUser(tree.enterprise, false), await addUser(tree.enterprise, false));
  await addUser(enterpriseA2, true);
  for (let i = 0; i < 3; i++) await addUser(tree.siblingEnterprise, true);
  await snapshot(`${PAST}-01`);
  // March 5th (days 2–4 missed): A1 enables calling for two more users (4) and gets a device.
  await setCalling(a1[2]!, true);
  await setCalling(a1[3]!, true);
  await addDevice(tree.enterprise, a1[0]!);
  await snapshot(`${PAST}-05`);
  // March 31st (days 6–30 missed): A1 disables three (1 left), adds a user without calling and a device.
  for (const id of a1.slice(1)) await setCalling(id, false);
  const fifth = await addUser(tree.enterprise, false);
  await addDevice(tree.enterprise, fifth);
  await snapshot(`${PAST}-31`);
}, 120_000);
afterAll(async () => t?.stop());

describe("usage report", () => {
  it("gives each enterprise its month's peak and end-of-month figures from the daily snapshots", async () => {
    const body = await report(as.partner, tree.partner, PAST);
    expect(body).toMatchObject({ month: PAST, asOf: `${PAST}-31`, complete: true });
    expect(row(body, tree.enterprise)).toEqual({
      accountId: tree.enterprise.id,
      name: "Enterprise A1",
      parentAccountId: tree.partner.id,
      parentName: "Partner A",
      days: 31, // the missed days were taken by the next run
      callingEnabledPeak: 4,
      callingEnabledEnd: 1,
      numbersAssigned: 5,
      sipDevices: 2,
      minutes: null,
    });
    expect(row(body, enterpriseA2)).toMatchObject({
      days: 31,
      callingEnabledPeak: 1,
      callingEnabledEnd: 1,
      numbersAssigned: 1,
      sipDevices: 0,
    });
    expect(body.minutesNote).toMatch(/not available for this month/);
  });

  it("writes no minutes while the SBC's call logs cannot be read", async () => {
    // March 1st–30th are closed for the April 1st run, none measured yet: the read fails, nothing is written.
    expect(await snapshot("2025-04-01")).toMatchObject({ minutesWritten: null });
    expect((await report(as.operator, tree.operator, PAST)).total.minutes).toBeNull();
    expect(t.logs).toContainEqual(
      expect.objectContaining({ msg: "the SBC's call logs could not be read: call minutes not measured" }),
    );
  });

  it("rolls the enterprises up per partner, and for the operator over every partner", async () => {
    const partnerView = await report(as.partner, tree.partner, PAST);
    expect(partnerView.partners).toEqual([
      {
        accountId: tree.partner.id,
        kind: "partner",
        name: "Partner A",
        enterprises: 2,
        callingEnabledPeak: 5,
        callingEnabledEnd: 2,
        numbersAssigned: 6,
        sipDevices: 2,
        minutes: null,
      },
    ]);
    const operatorView = await report(as.operator, tree.operator, PAST);
    const byName = Object.fromEntries(
      operatorView.partners.map((p: { name: string; callingEnabledEnd: number }) => [p.name, p]),
    );
    expect(byName["Partner A"]).toMatchObject({
      enterprises: 2,
      callingEnabledPeak: 5,
      callingEnabledEnd: 2,
    });
    expect(byName["Partner B"]).toMatchObject({
      enterprises: 1,
      callingEnabledPeak: 3,
      callingEnabledEnd: 3,
    });
    expect(operatorView.total).toMatchObject({
      accountId: tree.operator.id,
      kind: "operator",
      enterprises: 3,
      callingEnabledPeak: 8,
      callingEnabledEnd: 5,
      numbersAssigned: 9,
      sipDevices: 2,
    });
  });

  it("takes each day once: running a day's snapshot again writes nothing", async () => {
    expect(await snapshot(`${PAST}-05`)).toMatchObject({ written: 0 });
    expect(await snapshot(`${PAST}-31`)).toMatchObject({ written: 0 });
  });

  it("keeps a past month as it was when today's data changes; the current month shows today's figures", async () => {
    const before = await report(as.partner, tree.partner, PAST);
    const user = await addUser(tree.enterprise, true);
    await addDevice(tree.enterprise, user);
    await addUser(tree.enterprise, true);
    await snapshot();
    expect(await report(as.partner, tree.partner, PAST)).toEqual(before);

    const current = await report(as.partner, tree.partner);
    expect(current.complete).toBe(false);
    expect(current.asOf).toBe(new Date().toISOString().slice(0, 10));
    expect(row(current, tree.enterprise)).toMatchObject({
      callingEnabledEnd: 3,
      numbersAssigned: 7,
      sipDevices: 3,
      minutes: null,
    });
    // Today's live figures count even before today's snapshot: a user added now shows at once.
    await addUser(tree.enterprise, true);
    expect(row(await report(as.partner, tree.partner), tree.enterprise)).toMatchObject({
      callingEnabledEnd: 4,
    });
  });

  it("shows a partner nothing of a sibling partner's enterprises, and an enterprise only itself", async () => {
    const sibling = await report(as.sibling, tree.sibling, PAST);
    expect(sibling.enterprises.map((e: { name: string }) => e.name)).toEqual(["Enterprise B1"]);
    expect(sibling.partners.map((p: { name: string }) => p.name)).toEqual(["Partner B"]);
    for (const url of [
      `/api/accounts/${tree.partner.id}/usage?month=${PAST}`,
      `/api/accounts/${tree.partner.id}/usage.csv?month=${PAST}`,
      `/api/accounts/${tree.enterprise.id}/usage?month=${PAST}`,
    ]) {
      const response = await t.app.inject({ method: "GET", url, headers: as.sibling.headers });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).not.toContain("Enterprise A1");
    }
    const own = await report(as.enterprise, tree.enterprise, PAST);
    expect(own.enterprises.map((e: { name: string }) => e.name)).toEqual(["Enterprise A1"]);
    expect(own.enterprises[0].parentName).toBeNull(); // the partner lies above the enterprise's scope
    expect(own.partners).toEqual([]);
    expect(own.total).toMatchObject({ kind: "enterprise", enterprises: 1, callingEnabledPeak: 4 });
  });

  it("exports the same report as CSV", async () => {
    const body = await report(as.operator, tree.operator, PAST);
    const response = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${tree.operator.id}/usage.csv?month=${PAST}`,
      headers: as.operator.headers,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/csv/);
    expect(response.headers["content-disposition"]).toContain(`usage-${PAST}.csv`);
    const [header, ...lines] = response.body.trimEnd().split("\r\n");
    expect(header).toBe(
      "Level,Account ID,Account,Parent,Calling enabled (peak),Calling enabled (end of month),Numbers assigned,SIP devices,Minutes",
    );
    const figures = (f: Record<string, number | null>) =>
      [f.callingEnabledPeak, f.callingEnabledEnd, f.numbersAssigned, f.sipDevices, f.minutes ?? ""].join(",");
    expect(lines).toEqual([
      ...body.enterprises.map(
        (e: Record<string, never>) => `enterprise,${e.accountId},${e.name},${e.parentName},${figures(e)}`,
      ),
      ...body.partners.map((p: Record<string, never>) => `partner,${p.accountId},${p.name},,${figures(p)}`),
      `total,${body.total.accountId},${body.total.name},,${figures(body.total)}`,
    ]);
    expect(lines).toHaveLength(3 + 2 + 1);
  });

  it("refuses a malformed or future month with a message on the field", async () => {
    for (const month of ["2025-13", "March", "1899-12", "0000-01", "2999-01"]) {
      const response = await t.app.inject({
        method: "GET",
        url: `/api/accounts/${tree.partner.id}/usage?month=${month}`,
        headers: as.partner.headers,
      });
      expect(response.statusCode, month).toBe(400);
      expect(response.headers["content-type"]).toMatch(/application\/problem\+json/);
      expect(response.json().errors).toEqual([expect.objectContaining({ field: "month" })]);
    }
  });

  it("is on pg-boss's schedule", async () => {
    const schedules = await waitFor("the usage snapshot schedule", async () => {
      const found = await t.deps.jobs.boss.getSchedules(USAGE_SNAPSHOT_JOB.name);
      return found.length > 0 ? found : null;
    });
    expect(schedules[0]).toMatchObject({ name: "usage-snapshot", cron: "17 * * * *" });
  });
});
