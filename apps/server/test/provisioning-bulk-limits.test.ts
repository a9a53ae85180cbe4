import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkImports } from "../src/modules/bulk-import/schema.js";
import { phoneNumbers } from "../src/modules/numbers/schema.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { enterpriseWithSyncedUsers } from "./support/provisioning.js";
import { startTestApp, type TestApp } from "./support/test-app.js";

const header =
  "teams_upn,sip_user,phone_number,voice_route,pbx_location,disable_voicemail,assign_dial_plan,devices";
const goodRow = "user00000@contoso.example,100,+14255551000,,,yes,yes,t100:Abc12345";

/** A body produced on demand, counting how much of it the server pulled. */
function lazyBody(totalBytes: number, chunk: Buffer, first = Buffer.alloc(0)) {
  const pulled = { bytes: 0 };
  const stream = new Readable({
    read() {
      if (pulled.bytes >= totalBytes) return void this.push(null);
      const next = pulled.bytes === 0 && first.length > 0 ? first : chunk;
      pulled.bytes += next.length;
      this.push(next);
    },
  });
  return { stream, pulled };
}

describe("CSV upload limits and encoding (users import and number inventory)", () => {
  let t: TestApp;
  let tree: Awaited<ReturnType<typeof createAccountTree>>;
  let admin: SignedInUser;
  let partner: SignedInUser;

  beforeAll(async () => {
    t = await startTestApp({ TEAMS_USERS_SYNC_MINUTES: "0" });
    tree = await createAccountTree(t.deps.db);
    admin = await createSignedInUser(t.deps.db, tree.enterprise, "Admin");
    partner = await createSignedInUser(t.deps.db, tree.partner, "Admin");
    await enterpriseWithSyncedUsers(t.deps.db, tree.enterprise, 5);
  });
  afterAll(async () => t?.stop());

  const upload = (payload: string | Buffer | Readable, headers: Record<string, string> = {}, query = "") =>
    t.app.inject({
      method: "POST",
      url: `/api/accounts/${tree.enterprise.id}/teams-users/imports?fileName=users.csv${query}`,
      headers: { ...admin.headers, "content-type": "text/csv", ...headers },
      payload,
    });
  const importCount = async () => (await t.deps.db.select({ id: bulkImports.id }).from(bulkImports)).length;

  const expectProblem = (response: Awaited<ReturnType<typeof upload>>, status: number, message: RegExp) => {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const body = response.json();
    expect(body.detail).toMatch(message);
    return body;
  };

  it("refuses a 110 MB single-field upload after reading at most the limit, and keeps nothing", async () => {
    const before = await importCount();
    // One field, no newline: what was accepted after 53 s and 730 MB of server memory.
    const { stream, pulled } = lazyBody(
      110 * 1024 * 1024,
      Buffer.alloc(64 * 1024, "a"),
      Buffer.from(`${header}\n`),
    );
    const response = await upload(stream);
    const body = expectProblem(response, 400, /Line 2 is longer than 4,096 bytes/);
    expect(body.errors).toEqual([{ field: "file", message: expect.stringMatching(/^Line 2 /) }]);
    expect(pulled.bytes).toBeLessThan(6 * 1024 * 1024);
    expect(await importCount()).toBe(before);
  });

  it("refuses an upload over 5 MB with 413 while streaming, and a declared oversized length at once", async () => {
    const before = await importCount();
    // Rows of 1 KB, so the size limit comes before the row limit.
    const rows = Buffer.from(`${"a".repeat(1000)}@x.example,1,+1,,,,,\n`.repeat(64));
    const { stream, pulled } = lazyBody(110 * 1024 * 1024, rows, Buffer.from(`${header}\n`));
    expectProblem(await upload(stream), 413, /larger than 5 MB/);
    expect(pulled.bytes).toBeLessThan(6 * 1024 * 1024);

    const declared = lazyBody(110 * 1024 * 1024, rows, Buffer.from(`${header}\n`));
    expectProblem(
      await upload(declared.stream, { "content-length": String(110 * 1024 * 1024) }),
      413,
      /larger than 5 MB/,
    );
    expect(declared.pulled.bytes).toBeLessThan(1024 * 1024);
    expect(await importCount()).toBe(before);
  });

  it("refuses more than 20,000 rows", async () => {
    const before = await importCount();
    const lines = [header];
    for (let i = 0; i < 20_001; i++) lines.push(`u${i}@x.example,${i},+1,,,,,`);
    const body = expectProblem(await upload(lines.join("\n")), 400, /more than 20,000 rows/);
    expect(body.errors).toEqual([{ field: "file", message: expect.stringContaining("20,000") }]);
    expect(await importCount()).toBe(before);
  });

  it("refuses binary, UTF-16, non-UTF-8 and NUL characters with the line at fault", async () => {
    const before = await importCount();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49]);
    expectProblem(await upload(png), 400, /Line 3 contains a NUL byte.*not a CSV text file/);

    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`${header}\n${goodRow}\n`, "utf16le"),
    ]);
    expectProblem(await upload(utf16), 400, /UTF-16.*save it as CSV UTF-8/);

    const latin1 = Buffer.from(
      `${header}\n${goodRow}\nRen\u00e9@contoso.example,101,+14255551001,,,,,\n`,
      "latin1",
    );
    const nonUtf8 = expectProblem(await upload(latin1), 400, /Line 3 is not UTF-8 text/);
    expect(nonUtf8.errors).toEqual([{ field: "file", message: expect.stringMatching(/^Line 3 /) }]);

    const nulInCell = `${header}\n${goodRow.replace(",100,", ",1\u000000,")}\n`;
    expectProblem(await upload(nulInCell), 400, /Line 2 contains a NUL byte/);

    const nulInName = await upload(`${header}\n${goodRow}\n`, {}, "%00.csv");
    expect(nulInName.statusCode, nulInName.body).toBe(400);
    expect(nulInName.json().errors).toEqual([{ field: "fileName", message: expect.any(String) }]);
    expect(await importCount()).toBe(before);
  });

  it("judges the header by the header row, and reads a file with a wrong header under the same limits", async () => {
    const short = await upload(`${header}\nuser00000@contoso.example,100\n`);
    expect(short.statusCode, short.body).toBe(201);
    expect(short.json()).toMatchObject({ status: "preview", totalRows: 1, errorRows: 1, lastError: null });

    const wrongHeader = await upload(`name,extension\nAda,100\n`);
    expect(wrongHeader.json()).toMatchObject({
      status: "failed",
      lastError: expect.stringContaining("teams_upn"),
    });

    const before = await importCount();
    const { stream, pulled } = lazyBody(
      110 * 1024 * 1024,
      Buffer.from("Ada,100\n".repeat(8192)),
      Buffer.from("name,extension\n"),
    );
    expectProblem(await upload(stream), 413, /larger than 5 MB/);
    expect(pulled.bytes).toBeLessThan(6 * 1024 * 1024);
    expect(await importCount()).toBe(before);
  });

  it("still previews a valid UTF-8 file with a BOM and multi-byte characters", async () => {
    const response = await upload(
      Buffer.from(`\ufeff${header}\n${goodRow}\nZo\u00eb@contoso.example,101,+14255551001,,,,,\n`),
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ status: "preview", totalRows: 2 });
  });

  describe("number inventory CSV", () => {
    const addNumbers = (payload: string | Buffer | Readable, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: "POST",
        url: `/api/accounts/${tree.partner.id}/numbers`,
        headers: { ...partner.headers, "content-type": "application/json", ...headers },
        payload,
      });
    const inventory = async () => (await t.deps.db.select().from(phoneNumbers)).length;

    it("refuses a body over the route's limit while reading it", async () => {
      const before = await inventory();
      const { stream, pulled } = lazyBody(
        110 * 1024 * 1024,
        Buffer.from(`{"csv":"${"+14255550000\\n".repeat(4096)}`),
      );
      const response = await addNumbers(stream);
      expect(response.statusCode, response.body).toBe(413);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(pulled.bytes).toBeLessThan(4 * 1024 * 1024);
      expect(await inventory()).toBe(before);
    });

    it("refuses NUL characters, non-UTF-8 text, over-long lines and too many lines, per line", async () => {
      const before = await inventory();
      const nul = await addNumbers(JSON.stringify({ csv: "+14255553000\n+1425555\u00003001\n" }));
      expect(nul.statusCode, nul.body).toBe(400);
      expect(nul.headers["content-type"]).toContain("application/problem+json");
      expect(nul.json().errors).toEqual([
        { field: "csv.2", message: expect.stringMatching(/^Line 2 contains a NUL character/) },
      ]);

      const latin1 = Buffer.concat([
        Buffer.from('{"csv":"+14255553000\\n+14255553001 Ren'),
        Buffer.from([0xe9]),
        Buffer.from('\\n"}'),
      ]);
      const nonUtf8 = await addNumbers(latin1);
      expect(nonUtf8.statusCode, nonUtf8.body).toBe(400);
      expect(nonUtf8.json().errors).toEqual([
        { field: "csv.2", message: expect.stringMatching(/^Line 2 is not UTF-8 text/) },
      ]);

      const long = await addNumbers(JSON.stringify({ csv: `+14255553000,${"x".repeat(2000)}\n` }));
      expect(long.statusCode, long.body).toBe(400);
      expect(long.json().errors).toEqual([
        { field: "csv.1", message: expect.stringMatching(/^Line 1 is longer than 1,024 characters/) },
      ]);

      const many = await addNumbers(
        JSON.stringify({
          csv: Array.from({ length: 100_001 }, (_, i) => `+1425${2_000_000 + i}`).join("\n"),
        }),
      );
      expect(many.statusCode, many.body).toBe(400);
      expect(many.json().detail).toMatch(/more than 100,000 lines/);
      expect(await inventory()).toBe(before);
    });
  });
});
