import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDatabase } from "../src/db/client.js";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { createAccountTree, createSignedInUser, type SignedInUser } from "./support/factories.js";
import { startTestApp, type TestApp } from "./support/test-app.js";
import { waitFor } from "./support/wait-for.js";

const ready = async (t: TestApp) => (await t.app.inject({ url: "/readyz" })).statusCode === 200;

describe("item 12: the API answers 503 with Retry-After while PostgreSQL is down, and says so briefly", () => {
  let dir = "";
  let cluster: EmbeddedPostgresHandle;
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-outage-"));
    cluster = await startEmbeddedPostgres(path.join(dir, "cluster"));
    t = await startTestApp({ DATABASE_URL: await ensureDatabase(cluster.url, "outage") });
    const tree = await createAccountTree(t.deps.db);
    admin = await createSignedInUser(t.deps.db, tree.partner, "Admin");
  });
  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("503 + Retry-After for every request, readiness false, a bounded number of error lines, then recovery", async () => {
    expect((await t.app.inject({ url: "/api/session", headers: admin.headers })).statusCode).toBe(200);
    await cluster.stop();
    const linesBefore = t.logs.length;

    const requests = 40;
    for (let i = 0; i < requests; i++) {
      const response = await t.app.inject({ url: "/api/session", headers: admin.headers });
      expect(response.statusCode, response.body).toBe(503);
      expect(response.headers["retry-after"]).toBe("5");
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(response.json().detail).toContain("database is not reachable");
    }
    const readiness = await t.app.inject({ url: "/readyz" });
    expect(readiness.statusCode).toBe(503);
    expect(readiness.json()).toMatchObject({ status: "unavailable", database: false });

    const errorLines = t.logs.slice(linesBefore).filter((line) => Number(line.level) >= 50);
    expect(errorLines.filter((line) => line.msg === "database unavailable")).toHaveLength(1);
    expect(errorLines.length, JSON.stringify(errorLines.map((line) => line.msg))).toBeLessThan(requests / 4);

    cluster = await startEmbeddedPostgres(path.join(dir, "cluster"), () => {}, { port: cluster.port });
    await waitFor("readiness after the database is back", () => ready(t));
    expect((await t.app.inject({ url: "/api/session", headers: admin.headers })).statusCode).toBe(200);
  });
});

describe("embedded PostgreSQL: private data folder (item 13) and supervision (item 12)", () => {
  let dataDir = "";
  let t: TestApp;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-embedded-"));
    // A key file left readable by an older version.
    const key = { keyId: "dev1", key: randomBytes(32).toString("base64") };
    await writeFile(path.join(dataDir, "secrets-key.json"), JSON.stringify(key), { mode: 0o644 });
    t = await startTestApp({ DATABASE_URL: "", DATA_DIR: dataDir }, { workers: false });
  });
  afterAll(async () => {
    await t?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps DATA_DIR closed to others; only the postgres user reaches its own folder; the key file is 0600", async () => {
    const folder = await stat(dataDir);
    const cluster = await stat(path.join(dataDir, "postgres"));
    const key = await stat(path.join(dataDir, "secrets-key.json"));
    expect(folder.mode & 0o007).toBe(0);
    expect(key.mode & 0o777).toBe(0o600);
    expect(cluster.mode & 0o777).toBe(0o700);
    if (process.getuid?.() === 0) {
      const postgresUid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
      const postgresGid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
      expect(folder.uid).toBe(0);
      expect(folder.gid).toBe(postgresGid);
      expect(folder.mode & 0o777).toBe(0o710);
      expect(cluster.uid).toBe(postgresUid);
    } else {
      expect(folder.mode & 0o777).toBe(0o700);
    }
  });

  it("restarts PostgreSQL after it is killed, says so in one line each way, and serves again", async () => {
    const pidOf = async () =>
      Number((await readFile(path.join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);
    expect(await ready(t)).toBe(true);
    const killed = await pidOf();
    process.kill(killed, "SIGKILL");

    await waitFor(
      "the supervisor's restart",
      async () => t.logs.some((line) => String(line.msg).startsWith("Embedded PostgreSQL restarted")),
      90_000,
    );
    await waitFor("readiness after the restart", () => ready(t), 30_000);
    expect(await pidOf()).not.toBe(killed);
    const notices = t.logs.filter((line) => line.component === "postgres" && Number(line.level) === 40);
    expect(notices.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Embedded PostgreSQL exited unexpectedly \(signal SIGKILL\); restarting it/),
        expect.stringMatching(/^Embedded PostgreSQL restarted \(pid \d+\)\.$/),
      ]),
    );
  }, 150_000);
});
