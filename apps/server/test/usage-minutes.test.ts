import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purgeCallLogs } from "../src/modules/call-logs/index.js";
import { sbcDatabaseUrl } from "../src/modules/sbc/index.js";
import type { Account } from "../src/modules/tenancy/schema.js";
import { usageReport } from "../src/modules/usage/index.js";
import {
  createAccount,
  createAccountTree,
  createSignedInUser,
  type SignedInUser,
} from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { fetchUsageReport, runUsageSnapshot } from "./support/usage.js";

/**
 * Call minutes in the usage report (issue 15 scope 5): the daily snapshot job measures each closed day's
 * answered talk time from the SBC's CDRs (acc_cdrs, written here as Kamailio writes them; call-logs.test.ts
 * proves Kamailio does) once, so a past month keeps its minutes after the CDRs are purged; the current month
 * adds the days not measured yet live; roll-ups sum; the CSV says the same.
 */
const PAST = "2025-03";
/** The SBC database of the app, where the CDRs are. */
let sbcUrl: string;
let t: TestApp;
let tree: Awaited<ReturnType<typeof createAccountTree>>;
let enterpriseA2: Account;
const as: Record<"operator" | "partner" | "sibling", SignedInUser> = {} as never;

/** One CDR as sbc/kamailio/kamailio.cfg's acc writes it: epoch "seconds.microseconds" text times. */
async function seedCall(
  enterprise: Account,
  call: { invited: string; talkSeconds?: number; code?: string },
): Promise<void> {
  const invited = new Date(call.invited).getTime() / 1000;
  const code = call.code ?? "200";
  const answered = code.startsWith("2") ? invited + 2 : null;
  const db = new pg.Client({ connectionString: sbcUrl });
  await db.connect();
  try {
    await db.query(
      `insert into acc_cdrs (s2t_direction, s2t_enterprise, s2t_fqdn, s2t_user_number, s2t_from, s2t_to,
         s2t_call_id, s2t_invited, s2t_answered, s2t_ended, s2t_failed, s2t_code, s2t_reason)
       values ('pbx-to-teams', $1, 'acme.customers.example.net', '+14255557201', '+14255550100',
         '+14255557201', $2, $3, $4, $5, $6, $7, $8)`,
      [
        enterprise.id,
        randomUUID(),
        invited.toFixed(6),
        answered === null ? null : answered.toFixed(6),
        answered === null ? null : (answered + (call.talkSeconds ?? 0)).toFixed(6),
        answered === null ? (invited + 20).toFixed(6) : null,
        code,
        answered === null ? "Request Terminated" : "OK",
      ],
    );
  } finally {
    await db.end();
  }
}

const snapshot = (day?: string) => runUsageSnapshot(t, day);
const report = (user: SignedInUser, account: Account, month?: string) =>
  fetchUsageReport(t, user, account, month);

type Row = { accountId: string; name: string; minutes: number | null };
const minutesOf = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.name, r.minutes]));

beforeAll(async () => {
  t = await startTestApp();
  tree = await createAccountTree(t.deps.db);
  enterpriseA2 = await createAccount(t.deps.db, "enterprise", tree.partner, "Enterprise A2");
  as.operator = await createSignedInUser(t.deps.db, tree.operator, "Read-only");
  as.partner = await createSignedInUser(t.deps.db, tree.partner, "Read-only");
  as.sibling = await createSignedInUser(t.deps.db, tree.sibling, "Read-only");
  // The SBC database of the app (beside the portal's), with its call-log columns installed by the app.
  await (await t.deps.sbc.get()).callRecords();
  sbcUrl = await sbcDatabaseUrl(t.deps.config, t.deps.db);

  await snapshot(`${PAST}-01`); // the enterprises enter the report on March 1st
  // A1: 600 s + 125 s, a call that started on March 31st and ended after midnight (300 s: it counts on April
  // 1st, the day its CDR was written), a cancelled call.
  await seedCall(tree.enterprise, { invited: `${PAST}-01T10:00:00Z`, talkSeconds: 600 });
  await seedCall(tree.enterprise, { invited: `${PAST}-15T08:30:00Z`, talkSeconds: 125 });
  await seedCall(tree.enterprise, { invited: `${PAST}-31T23:59:00Z`, talkSeconds: 300 });
  await seedCall(tree.enterprise, { invited: `${PAST}-20T12:00:00Z`, code: "487" });
  await seedCall(enterpriseA2, { invited: `${PAST}-10T09:00:00Z`, talkSeconds: 300 });
  await seedCall(tree.siblingEnterprise, { invited: `${PAST}-20T09:00:00Z`, talkSeconds: 60 });
  // Outside the month: the day before and the day after.
  await seedCall(tree.enterprise, { invited: "2025-02-28T23:00:00Z", talkSeconds: 600 });
  await seedCall(tree.enterprise, { invited: "2025-04-01T00:01:00Z", talkSeconds: 6000 });
}, 120_000);
afterAll(async () => t?.stop());

describe("call minutes in the usage report", () => {
  it("measures each closed day from the call logs: answered talk time per enterprise, by the day a call ended", async () => {
    // Before the month is closed, its days are not measured: nothing to show for a past month.
    expect((await report(as.partner, tree.partner, PAST)).total.minutes).toBeNull();

    // The first run on April 1st measures March 1st–31st for each of the three enterprises.
    expect(await snapshot("2025-04-01")).toEqual({ written: 3 * 31, minutesWritten: 3 * 31 });
    const body = await report(as.partner, tree.partner, PAST);
    // A1: (600 + 125) s = 12.1 min; A2: 300 s = 5 min; the cancelled call, the call that ended on April 1st and
    // other months do not count.
    expect(minutesOf(body.enterprises)).toEqual({ "Enterprise A1": 12, "Enterprise A2": 5 });
    expect(body.minutesNote).toBeNull();
  });

  it("rolls minutes up per partner and for the operator; another partner sees only its own", async () => {
    const partnerView = await report(as.partner, tree.partner, PAST);
    expect(partnerView.partners).toEqual([expect.objectContaining({ name: "Partner A", minutes: 17 })]);
    expect(partnerView.total.minutes).toBe(17);

    const operatorView = await report(as.operator, tree.operator, PAST);
    expect(minutesOf(operatorView.partners)).toEqual({ "Partner A": 17, "Partner B": 1 });
    expect(operatorView.total.minutes).toBe(18);

    const sibling = await report(as.sibling, tree.sibling, PAST);
    expect(minutesOf(sibling.enterprises)).toEqual({ "Enterprise B1": 1 });
    expect(sibling.total.minutes).toBe(1);
  });

  it("exports the minutes in the CSV", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: `/api/accounts/${tree.operator.id}/usage.csv?month=${PAST}`,
      headers: as.operator.headers,
    });
    expect(response.statusCode).toBe(200);
    const minutes = Object.fromEntries(
      response.body
        .trimEnd()
        .split("\r\n")
        .slice(1)
        .map((line) => line.split(","))
        .map((cells) => [`${cells[0]} ${cells[2]}`, cells[8]]),
    );
    expect(minutes).toEqual({
      "enterprise Enterprise A1": "12",
      "enterprise Enterprise A2": "5",
      "enterprise Enterprise B1": "1",
      "partner Partner A": "17",
      "partner Partner B": "1",
      "total Operator": "18",
    });
  });

  it("shows the current month's days not measured yet live, today's and yesterday's", async () => {
    // As on April 3rd at noon: April 1st was measured by the run above, April 2nd not yet, April 3rd is today.
    await seedCall(tree.enterprise, { invited: "2025-04-02T16:00:00Z", talkSeconds: 240 });
    await seedCall(tree.enterprise, { invited: "2025-04-03T09:00:00Z", talkSeconds: 120 });
    const april = await usageReport(t.deps, tree.partner, "2025-04", new Date("2025-04-03T12:00:00Z"));
    // A1: April 1st (6,000 s, and the 300 s of the call that started on March 31st), 2nd (240 s) and 3rd
    // (120 s) live = 111 min.
    expect(minutesOf(april.enterprises)).toEqual({ "Enterprise A1": 111, "Enterprise A2": 0 });
    expect(april.total.minutes).toBe(111);
  });

  it("counts a call still up when the first run after midnight measured the day it started", async () => {
    // The run of April 5th, 00:17, measures April 1st–4th. A call from April 4th, 23:50, is still up: its CDR
    // is written when it hangs up at 00:10:02 + 20 min, after that run.
    expect(await snapshot("2025-04-05")).toEqual({ written: 3 * 4, minutesWritten: 3 * 4 });
    await seedCall(tree.enterprise, { invited: "2025-04-04T23:50:00Z", talkSeconds: 1200 });
    const live = await usageReport(t.deps, tree.partner, "2025-04", new Date("2025-04-05T12:00:00Z"));
    // 111 min as above + 20 min, read live on April 5th (the day it ended, not measured yet).
    expect(minutesOf(live.enterprises)).toEqual({ "Enterprise A1": 131, "Enterprise A2": 0 });
    // The next run measures April 5th with it, once.
    expect(await snapshot("2025-04-06")).toEqual({ written: 3, minutesWritten: 3 });
    const measured = await usageReport(t.deps, tree.partner, "2025-04", new Date("2025-04-06T12:00:00Z"));
    expect(minutesOf(measured.enterprises)).toEqual({ "Enterprise A1": 131, "Enterprise A2": 0 });
  });

  it("keeps a past month's minutes when the call logs are purged, and measures a day only once", async () => {
    const before = await report(as.operator, tree.operator, PAST);
    const purged = await purgeCallLogs(t.deps);
    expect(purged.deleted).toBeGreaterThanOrEqual(9);
    expect(await report(as.operator, tree.operator, PAST)).toEqual(before);
    expect(await snapshot("2025-04-01")).toEqual({ written: 0, minutesWritten: 0 });
    expect(await report(as.operator, tree.operator, PAST)).toEqual(before);
  });

  it("counts today's calls in the current month at once", async () => {
    const today = new Date().toISOString().slice(0, 10);
    await seedCall(tree.enterprise, { invited: `${today}T00:00:01Z`, talkSeconds: 180 });
    const current = await report(as.partner, tree.partner);
    expect(current.complete).toBe(false);
    expect(minutesOf(current.enterprises)).toEqual({ "Enterprise A1": 3, "Enterprise A2": 0 });
  });
});
