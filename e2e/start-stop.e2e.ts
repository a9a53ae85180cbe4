import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Started, startAllInOne } from "../apps/server/test/support/start-command.js";

const root = path.resolve(import.meta.dirname, "..");

/** `sip2teams start` exactly as `npm start` runs it, with embedded Postgres under its own data folder. */
function start(dataDir: string): Promise<Started> {
  return startAllInOne(dataDir, { cwd: root, args: [path.join(root, "apps/server/bin/sip2teams.js")] });
}

async function interrupt({ child }: Started) {
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGINT");
  return exited;
}

function postgresProcessesUsing(dataDir: string): string[] {
  const listing = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return listing.split("\n").filter((line) => line.includes(dataDir) && line.includes("postgres"));
}

describe("npm start", () => {
  let dataDir = "";
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("serves the portal on embedded Postgres, stops cleanly and keeps its data", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "sip2teams-start-"));
    const first = await start(dataDir);
    expect(first.output.join("")).toContain(`sip2teams portal:  ${first.url}`);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    const page = await fetch(`${first.url}/sign-in`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect(existsSync(path.join(dataDir, "postgres", "PG_VERSION"))).toBe(true);
    const printed = first.output.join("").match(/Sign in as:\s+(\S+)\s+Password:\s+(\S+)/);
    expect(printed, first.output.join("")).not.toBeNull();
    const [, username, password] = printed!;

    expect(await interrupt(first)).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);

    const second = await start(dataDir);
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    expect(second.output.join("")).toContain("Sign in with your existing operator account");
    const signIn = await fetch(`${second.url}/api/auth/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    expect(signIn.status).toBe(200);
    expect(((await signIn.json()) as { account: { name: string } }).account.name).toBe("Demo Operator");
    expect(await interrupt(second)).toBe(0);
    expect(postgresProcessesUsing(dataDir)).toEqual([]);
  });
});
