import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkImports } from "../src/modules/bulk-import/schema.js";
import { provisionedUsers } from "../src/modules/teams-users/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { enterpriseWithSyncedUsers, waitFor } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const ROWS = 1_500;

describe("bulk CSV import of users", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let user: SignedInUser;
  let seeded: Awaited<ReturnType<typeof enterpriseWithSyncedUsers>>;

  beforeAll(async () => {
    t = await startTestApp({ TEAMS_USERS_SYNC_MINUTES: "0" });
    tree = await createAccountTree(t.deps.db);
    user = await createSignedInUser(t.deps.db, tree.enterprise, "Admin");
    seeded = await enterpriseWithSyncedUsers(t.deps.db, tree.enterprise, 2_000);
  }, 60_000);
  afterAll(async () => t?.stop());

  const upload = (csv: string) =>
    t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/teams-users/imports?fileName=users.csv`,
      headers: { ...user.headers, "content-type": "text/csv" },
      payload: csv,
    });
  const header =
    "teams_upn,sip_user,phone_number,voice_route,pbx_location,disable_voicemail,assign_dial_plan,devices";

  it("previews bad rows precisely and writes nothing until confirmed", async () => {
    const route = seeded.region.name;
    const csv = [
      header,
      `user00000@contoso.example,100,+14255551000,${route},PBX,yes,yes,t100:Abc12345`,
      `user00001@contoso.example,100,+14255551001,${route},PBX,yes,no,t101:Abc12345`,
      `nobody@contoso.example,102,+14255551002,${route},PBX,yes,yes,`,
      `user00003@contoso.example,103,12345,${route},PBX,maybe,yes,t103:bad!pass`,
      `user00004@contoso.example,104,+14255551000,Mars,PBX,no,no,t104:Abc12345`,
      `user00009@contoso.example,109,+14255551009,${route},PBX,yes,yes,`,
    ].join("\n");
    const preview = await upload(csv);
    expect(preview.statusCode).toBe(201);
    expect(preview.json()).toMatchObject({ status: "preview", totalRows: 6, validRows: 0, errorRows: 6 });
    const id = preview.json().id;
    const rows = (
      await t.app.inject({
        url: `/api/accounts/${tree.enterprise.id}/teams-users/imports/${id}?errorsOnly=true`,
        headers: user.headers,
      })
    ).json().rows;
    const errorsOf = (line: number) => rows.find((r: { rowNumber: number }) => r.rowNumber === line).errors;
    expect(errorsOf(2)).toEqual([
      { field: "sip_user", message: "SIP user appears more than once in the file (rows 2, 3)." },
      { field: "phone_number", message: "Phone number appears more than once in the file (rows 2, 6)." },
    ]);
    expect(errorsOf(4)).toEqual([
      { field: "teams_upn", message: expect.stringContaining("No synced Teams user nobody@contoso.example") },
    ]);
    expect(
      errorsOf(5)
        .map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(["devices.0.password", "disable_voicemail", "phone_number"]);
    expect(errorsOf(6).map((e: { field: string }) => e.field)).toContain("voice_route");
    expect(errorsOf(7)).toEqual([
      {
        field: "teams_upn",
        message: "user00009@contoso.example cannot be provisioned: No Teams Phone licence.",
      },
    ]);
    expect(await t.deps.db.select().from(provisionedUsers)).toHaveLength(0);
    const apply = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/teams-users/imports/${id}/apply`,
      headers: user.headers,
    });
    expect(apply.statusCode).toBe(409);
  });

  it("takes the CSV as a stream over a real socket (not only through inject)", async () => {
    const base = await t.app.listen({ host: "127.0.0.1", port: 0 });
    const response = await fetch(
      `${base}/api/accounts/${tree.enterprise.id}/teams-users/imports?fileName=socket.csv`,
      {
        method: "POST",
        headers: { ...user.headers, "content-type": "text/csv" },
        body: `${header}\nuser00000@contoso.example,700,+14255557000,,,,,`,
      },
    );
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toMatchObject({ totalRows: 1, validRows: 1 });
  });

  // Volume that proves streaming and background apply in seconds; the 10,000-row size and its speed targets
  // are in bench/bulk-import-10k.mjs.
  it(`${ROWS} rows: streamed preview, then applied in the background with progress`, async () => {
    const lines = [header];
    let n = 0;
    for (let i = 0; n < ROWS; i++) {
      if (i % 10 === 9) continue; // the seeded ineligible users
      lines.push(
        `user${String(i).padStart(5, "0")}@contoso.example,${5000 + i},+1425${String(2_000_000 + i)},,,,,d${i}:Pw${String(i).padStart(6, "0")}`,
      );
      n++;
    }
    const preview = await upload(lines.join("\n"));
    expect(preview.statusCode).toBe(201);
    expect(preview.json(), JSON.stringify(preview.json())).toMatchObject({
      totalRows: ROWS,
      validRows: ROWS,
      errorRows: 0,
    });
    expect(await t.deps.db.select().from(provisionedUsers)).toHaveLength(0);
    const id = preview.json().id;
    const apply = await t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/teams-users/imports/${id}/apply`,
      headers: user.headers,
    });
    expect(apply.statusCode).toBe(202);
    const done = await waitFor(
      "import applied",
      async () => {
        const [row] = await t.deps.db.select().from(bulkImports).where(eq(bulkImports.id, id));
        return row?.status === "completed" ? row : null;
      },
      240_000,
    );
    expect(done).toMatchObject({ appliedRows: ROWS, failedRows: 0 });
    const users = await t.app.inject({
      url: `/api/accounts/${tree.enterprise.id}/teams-users?filter=provisioned&pageSize=1`,
      headers: user.headers,
    });
    expect(users.json().total).toBe(ROWS);
  }, 300_000);
});
