import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { provisioningQueue } from "../src/modules/teams-users/jobs.js";
import { freshSteps } from "../src/modules/teams-users/provisioning.js";
import { provisionedUsers } from "../src/modules/teams-users/schema.js";
import { useConnectedContoso } from "./support/teams-users-sync.js";
import { waitFor } from "./support/wait-for.js";

/** Issue 13, scope 3: what one user costs, counted (not timed) on the real path: Add User → pg-boss job → worker. */
const MAX_MICROSOFT_REQUESTS = 4;
const MAX_ROW_WRITES = 6;

interface LoggedRequest {
  method: string;
  path: string;
  surface: string;
  status: number;
  body?: unknown;
}

describe("provisioning cost per user", () => {
  const ctx = useConnectedContoso();

  beforeAll(async () => {
    // Every row inserted, updated or deleted in the application's tables, by table (this test file's own database).
    await ctx.t.deps.db.execute(sql`
      create table test_row_writes (table_name text not null, operation text not null, txid bigint not null);
      create function test_count_row_write() returns trigger language plpgsql as $$
        begin insert into test_row_writes values (TG_TABLE_NAME, TG_OP, txid_current()); return null; end $$;
      do $$ declare r record; begin
        for r in select tablename from pg_tables where schemaname = 'public' and tablename <> 'test_row_writes' loop
          execute format('create trigger test_count_row_write after insert or update or delete on %I
            for each row execute function test_count_row_write()', r.tablename);
        end loop;
      end $$;`);
  });

  const microsoftRequests = async (tenantId: string) => {
    const body = (await (await fetch(`${ctx.emulator.url}/_emulator/tenants/${tenantId}/requests`)).json()) as
      | LoggedRequest[]
      | { requests: LoggedRequest[] };
    // Graph, the Teams admin API and the cmdlets (each cmdlet is one request to Microsoft); token requests aside.
    return (Array.isArray(body) ? body : body.requests).filter(
      (l) => l.surface === "graph" || l.surface === "teams-admin" || l.surface === "pwsh",
    );
  };

  const provisioned = (id: string) =>
    waitFor("the user provisioned", async () => {
      const [row] = await ctx.t.deps.db.select().from(provisionedUsers).where(eq(provisionedUsers.id, id));
      if (row?.status === "failed") throw new Error(row.lastError ?? "failed");
      return row?.status === "done" ? row : null;
    });

  /** Adds an eligible user through the API and waits until the worker provisioned it; what it cost. */
  const provisionOne = async (index: number) => {
    const { t, partner, enterpriseId } = ctx;
    const options = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/teams-users/form-options`,
        headers: partner.headers,
      })
    ).json();
    const eligible = (
      await t.app.inject({
        url: `/api/accounts/${enterpriseId}/teams-users/eligible?q=`,
        headers: partner.headers,
      })
    ).json() as { objectId: string }[];
    const target = eligible[index]!;
    const tenantId = (
      await t.deps.db.execute<{ tenant_id: string }>(
        sql`select tenant_id from microsoft_connections where enterprise_account_id = ${enterpriseId}`,
      )
    ).rows[0]!.tenant_id;
    await t.deps.db.execute(sql`delete from test_row_writes`);
    const requestsBefore = (await microsoftRequests(tenantId)).length;
    const number = `+1425555900${index}`;
    const added = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${enterpriseId}/teams-users`,
      headers: partner.headers,
      payload: {
        teamsUserObjectId: target.objectId,
        pbxLocation: options.pbxLocations[0],
        regionId: options.defaultVoiceRouteId,
        sipUser: `500${index}`,
        phoneNumber: number,
        disableVoicemail: true,
        assignDialPlan: true,
        devices: [{ authId: `t500${index}`, password: "Zx8Kq2Lm" }],
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    const id = added.json().id as string;
    const done = await provisioned(id);
    expect(done.steps.map((s) => `${s.key}:${s.status}`)).toEqual([
      "assign-number:done",
      "grant-voice-routing-policy:done",
      "grant-dial-plan:done",
      "disable-voicemail:done",
      "verify:done",
    ]);
    expect(done.observed).toMatchObject({ enterpriseVoiceEnabled: true, numbers: [number] });
    const requests = (await microsoftRequests(tenantId)).slice(requestsBefore);
    const writes = (
      await t.deps.db.execute<{ table_name: string; operation: string; n: number }>(
        // Add User's own transaction (user, number, devices, audit) is the form's cost, not provisioning's.
        sql`select table_name, operation, count(*)::int as n from test_row_writes
            where txid <> (select txid from test_row_writes where table_name = 'provisioned_users' and operation = 'INSERT')
            group by 1, 2 order by 1, 2`,
      )
    ).rows;
    return {
      requests,
      shownRequests: requests.map((l) => `${l.method} ${l.path} ${l.status}`).join("\n"),
      writes: writes.reduce((sum, w) => sum + w.n, 0),
      shownWrites: JSON.stringify(writes),
      id,
      number,
      tenantId,
    };
  };

  it(`enabling a user (number, voice route, dial plan, voicemail off) costs ≤ ${MAX_MICROSOFT_REQUESTS} Microsoft requests and ≤ ${MAX_ROW_WRITES} row writes`, async () => {
    const sync = await ctx.t.app.inject({
      method: "POST",
      url: `/api/accounts/${ctx.enterpriseId}/teams-users/sync`,
      headers: ctx.partner.headers,
    });
    expect(sync.statusCode).toBe(202);
    await waitFor("eligible users synced", async () => {
      const eligible = await ctx.t.app.inject({
        url: `/api/accounts/${ctx.enterpriseId}/teams-users/eligible?q=`,
        headers: ctx.partner.headers,
      });
      return (eligible.json() as unknown[]).length >= 2 ? true : null;
    });
    // The first user of a tenant also looks up the two policies' ids (cached per tenant for 10 minutes).
    const first = await provisionOne(1);
    expect(first.requests.length, first.shownRequests).toBeLessThanOrEqual(MAX_MICROSOFT_REQUESTS + 2);
    const user = await provisionOne(2);
    expect(
      user.requests.every((l) => l.status < 400),
      user.shownRequests,
    ).toBe(true);
    expect(user.requests.length, user.shownRequests).toBeLessThanOrEqual(MAX_MICROSOFT_REQUESTS);
    expect(user.writes, user.shownWrites).toBeLessThanOrEqual(MAX_ROW_WRITES);
  }, 180_000);

  it("a run whose predecessor died before saving anything checks the number instead of assigning it again", async () => {
    const { t } = ctx;
    const user = await provisionOne(3);
    // What a worker killed right after assignNumber leaves: the number assigned in Microsoft, the row `running`
    // with every step still pending (no outcome saved).
    const [row] = await t.deps.db.select().from(provisionedUsers).where(eq(provisionedUsers.id, user.id));
    await t.deps.db
      .update(provisionedUsers)
      .set({ status: "running", steps: freshSteps(row!), observed: null })
      .where(eq(provisionedUsers.id, user.id));
    const before = (await microsoftRequests(user.tenantId)).length;
    await provisioningQueue(t.deps.jobs).enqueueProvisioning(user.id);
    const done = await provisioned(user.id);
    expect(done.steps.every((s) => s.status === "done")).toBe(true);
    expect(done.observed?.numbers).toEqual([user.number]);
    const requests = (await microsoftRequests(user.tenantId)).slice(before);
    const shown = requests.map((l) => `${l.method} ${l.path}`).join("\n");
    expect(
      requests.filter((l) => l.path.endsWith("/numberAssignments/assignNumber")),
      shown,
    ).toHaveLength(0);
    expect(
      requests.filter((l) => l.method === "GET" && l.path.endsWith("/numberAssignments")),
      shown,
    ).toHaveLength(1);
  }, 120_000);

  it("a number operation whose poll fails transiently is followed again by the retry, not started again", async () => {
    const { emulator } = ctx;
    const settings = (body: object) =>
      fetch(`${emulator.url}/_emulator/settings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    // The operation runs 3 s, so the read-back lacks the number and verify polls it; the polls answer 503
    // beyond the client's retries, so the job fails over to pg-boss's retry.
    await settings({ timeFactor: 1, operationDelayMs: 3000 });
    await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rules: [{ pathPattern: "*/telephoneNumberManagement/operations*", status: 503, count: 8 }],
      }),
    });
    try {
      const user = await provisionOne(4);
      expect(user.requests.some((l) => l.path.includes("/operations") && l.status === 503)).toBe(true);
      expect(
        user.requests.filter((l) => l.path.endsWith("/numberAssignments/assignNumber")),
        user.shownRequests,
      ).toHaveLength(1);
      // The retry follows the saved operation: no re-check of the number as after a lost operation.
      expect(
        user.requests.filter((l) => l.method === "GET" && l.path.endsWith("/numberAssignments")),
        user.shownRequests,
      ).toHaveLength(0);
    } finally {
      await fetch(`${emulator.url}/_emulator/faults`, { method: "DELETE" });
      await settings({ timeFactor: 0, operationDelayMs: 50 });
    }
  }, 120_000);
});
