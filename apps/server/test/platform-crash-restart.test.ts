import { type ChildProcess, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Started, startAllInOne } from "./support/start-command.js";
import { waitFor } from "./support/wait-for.js";

const serverDir = path.resolve(import.meta.dirname, "..");

/** The real `sip2teams start` (from source, through tsx) with embedded PostgreSQL under `dataDir`. */
function start(dataDir: string, port?: number): Promise<Started> {
  return startAllInOne(dataDir, {
    cwd: serverDir,
    args: ["--conditions=source", "--import", "tsx", "src/cli.ts"],
    port,
  });
}

function postgresProcessesUsing(dataDir: string): string[] {
  const listing = execFileSync("ps", ["-eo", "pid,stat,args"], { encoding: "utf8" });
  return listing
    .split("\n")
    .filter((line) => line.includes(dataDir) && line.includes("postgres") && !/^\s*\d+\s+Z/.test(line));
}

describe("sip2teams start on a data folder and a port: a killed run's leftover, a running one, a taken port", () => {
  const dataDirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    // Whatever went wrong, leave no PostgreSQL of this test running.
    for (const dataDir of dataDirs) {
      for (const line of postgresProcessesUsing(dataDir))
        process.kill(Number(line.trim().split(/\s+/)[0]), "SIGINT");
      await waitFor(
        "the test's PostgreSQL to stop",
        async () => postgresProcessesUsing(dataDir).length === 0,
      );
      await rm(dataDir, { recursive: true, force: true });
    }
  });
  const newDataDir = async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-crash-"));
    dataDirs.push(dataDir);
    return dataDir;
  };
  const postmasterPid = async (dataDir: string) =>
    Number((await readFile(path.join(dataDir, "postgres", "postmaster.pid"), "utf8")).split("\n")[0]);

  it("stops the PostgreSQL left behind by a SIGKILLed run, says so in one line, and serves", async () => {
    const dataDir = await newDataDir();
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

  it("refuses a second start on the data folder of a running one, which keeps its database and serves", async () => {
    const dataDir = await newDataDir();
    const first = await start(dataDir);
    children.push(first.child);
    const postmaster = await postmasterPid(dataDir);

    const second = start(dataDir);
    await expect(second).rejects.toThrow(
      new RegExp(
        `PostgreSQL \\(.*pid ${postmaster}\\) belongs to a process that is running: pid ${first.child.pid} `,
      ),
    );
    expect(await postmasterPid(dataDir)).toBe(postmaster);
    expect(first.output.join("")).not.toMatch(/exited unexpectedly|left running by a previous run/);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);

    const exited = new Promise((resolve) => first.child.once("exit", (code) => resolve(code)));
    first.child.kill("SIGINT");
    expect(await exited).toBe(0);
  }, 300_000);

  it("says which port is taken when another program holds it, and leaves no PostgreSQL running", async () => {
    const dataDir = await newDataDir();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    try {
      const port = (holder.address() as AddressInfo).port;
      await expect(start(dataDir, port)).rejects.toThrow(
        `sip2teams start failed: port ${port} on 127.0.0.1 is in use by another program: stop it, or set PORT`,
      );
      expect(postgresProcessesUsing(dataDir)).toEqual([]);
    } finally {
      holder.close();
    }
  }, 300_000);
});
