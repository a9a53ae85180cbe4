import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../src/db/embedded-postgres.js";
import { waitFor } from "./support/wait-for.js";

const serverDir = path.resolve(import.meta.dirname, "..");

interface Started {
  child: ChildProcess;
  output: string[];
  url: string;
}

/** The real `sip2teams start` (from source, through tsx) with embedded PostgreSQL under `dataDir`. */
async function start(dataDir: string): Promise<Started> {
  const port = await freePort();
  const output: string[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "warn" };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "src/cli.ts", "start"], {
    cwd: serverDir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk) => output.push(chunk.toString()));
  await waitFor(
    "the start banner",
    async () => {
      if (child.exitCode !== null)
        throw new Error(`start exited with ${child.exitCode}:\n${output.join("")}`);
      return output.join("").includes("sip2teams portal:");
    },
    120_000,
  );
  return { child, output, url: `http://localhost:${port}` };
}

function postgresProcessesUsing(dataDir: string): string[] {
  const listing = execFileSync("ps", ["-eo", "pid,stat,args"], { encoding: "utf8" });
  return listing
    .split("\n")
    .filter((line) => line.includes(dataDir) && line.includes("postgres") && !/^\s*\d+\s+Z/.test(line));
}

describe("item 4: restart after the all-in-one process was killed", () => {
  let dataDir = "";
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    // Whatever went wrong, leave no PostgreSQL of this test running.
    if (!dataDir) return;
    for (const line of postgresProcessesUsing(dataDir))
      process.kill(Number(line.trim().split(/\s+/)[0]), "SIGINT");
    await waitFor("the test's PostgreSQL to stop", async () => postgresProcessesUsing(dataDir).length === 0);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("stops the PostgreSQL left behind by a SIGKILLed run, says so in one line, and serves", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-crash-"));
    const first = await start(dataDir);
    children.push(first.child);
    const killed = new Promise((resolve) => first.child.once("exit", resolve));
    first.child.kill("SIGKILL");
    await killed;
    // The embedded PostgreSQL outlives its parent: the situation to recover from.
    expect(postgresProcessesUsing(dataDir).length).toBeGreaterThan(0);

    const second = await start(dataDir);
    children.push(second.child);
    const said = second.output.join("").split("\n");
    const notices = said.filter((line) => line.includes("left running by a previous run"));
    expect(notices, said.join("\n")).toHaveLength(1);
    expect(notices[0]).toMatch(/Stopped PostgreSQL left running by a previous run \(pid \d+\) on /);
    expect(said.join("\n")).not.toMatch(/^undefined$/m);
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);

    const exited = new Promise((resolve) => second.child.once("exit", (code) => resolve(code)));
    second.child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
  }, 300_000);
});
